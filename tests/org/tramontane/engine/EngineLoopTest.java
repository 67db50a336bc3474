package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.tramontane.testing.Fixtures;
import org.tramontane.tokenizer.Tokenizer;

/** The continuous loop over the paged-recall model: Generator's tokens, aborts, stop ids, a full queue. */
class EngineLoopTest {
    private static final int BLOCK_SIZE = 4;

    /** Collects one sequence's stream; the loop thread writes, the test reads after {@link #done}. */
    static class Collector implements StreamSink {
        final List<Integer> ids = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        final CountDownLatch firstToken = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);
        volatile StreamFinish finish;
        volatile boolean scheduled;

        @Override
        public void onScheduled() {
            scheduled = true;
        }

        @Override
        public synchronized void onToken(TokenOutput token) {
            ids.add(token.tokenId());
            text.append(token.text());
            firstToken.countDown();
        }

        @Override
        public void onFinish(StreamFinish f) {
            finish = f;
            done.countDown();
        }

        @Override
        public void onError(RuntimeException error) {
            done.countDown();
        }

        StreamFinish await() throws InterruptedException {
            assertTrue(done.await(30, TimeUnit.SECONDS), "the sequence finishes");
            return finish;
        }

        synchronized int[] outputIds() {
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    private static Tokenizer tokenizer() {
        return Tokenizer.load(Fixtures.dir("tiny-mixtral"));
    }

    private static GenerationRequest request(int idx, int promptLen, int maxNewTokens) {
        return new GenerationRequest(IntStream.range(0, promptLen).map(i -> 3 + (idx * 13 + i) % 90).toArray(), maxNewTokens,
                true, SamplingParams.greedy());
    }

    @Test
    void theLoopPicksGeneratorsTokensOnATightPool() throws Exception {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 6; i++) reqs.add(request(i, 3 + 5 * i, 4 + i));
        List<GenerationResult> expected = new Generator(new PagedRecallLm(), new EngineOptions(BLOCK_SIZE, 0, 8, 0), 2)
                .generate(reqs, TokenListener.NONE);
        EngineOptions tight = new EngineOptions(BLOCK_SIZE, 12, 8, 1000, 8);
        try (EngineLoop loop = new EngineLoop(new PagedRecallLm(), tight, tokenizer(), 16)) {
            List<StreamRequest> streams = new ArrayList<>();
            List<StreamSink> sinks = new ArrayList<>();
            List<Collector> collectors = new ArrayList<>();
            for (GenerationRequest r : reqs) {
                streams.add(StreamRequest.of(r));
                Collector c = new Collector();
                collectors.add(c);
                sinks.add(c);
            }
            assertTrue(loop.submit(streams, sinks).isPresent());
            for (int i = 0; i < reqs.size(); i++) {
                StreamFinish f = collectors.get(i).await();
                assertEquals(FinishReason.LENGTH, f.reason());
                assertArrayEquals(expected.get(i).outputIds(), collectors.get(i).outputIds(), "request " + i);
                assertEquals(tokenizer().decode(expected.get(i).outputIds(), true), collectors.get(i).text + f.text());
            }
            assertTrue(loop.stats().numPreemptions() > 0, "12 blocks of 4 cannot hold all six at once");
            assertEquals(12, loop.stats().numFreeBlocks());
        }
    }

    @Test
    void anAbortedSequenceFreesItsBlocksBeforeTheNextStep() throws Exception {
        try (EngineLoop loop = new EngineLoop(new PagedRecallLm(), new EngineOptions(BLOCK_SIZE, 64, 8, 1000), tokenizer(), 16)) {
            // The sink holds the loop thread inside the first token until the abort is queued, so the
            // abort lands before the next step however fast the machine decodes the 200 tokens.
            CountDownLatch aborted = new CountDownLatch(1);
            Collector c = new Collector() {
                @Override
                public void onToken(TokenOutput token) {
                    super.onToken(token);
                    try {
                        aborted.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            var submission = loop.submit(List.of(StreamRequest.of(request(0, 5, 200))), List.of(c)).orElseThrow();
            assertTrue(c.firstToken.await(30, TimeUnit.SECONDS));
            loop.abort(submission);
            aborted.countDown();
            StreamFinish f = c.await();
            assertEquals(FinishReason.ABORT, f.reason());
            assertTrue(f.numOutputTokens() < 200, "stopped early");
            Thread.sleep(50);
            assertEquals(64, loop.stats().numFreeBlocks(), "every block is back");
            assertEquals(0, loop.stats().numRunning());
            loop.abort(submission);
            Collector next = new Collector();
            loop.submit(List.of(StreamRequest.of(request(1, 3, 2))), List.of(next)).orElseThrow();
            assertEquals(FinishReason.LENGTH, next.await().reason(), "an abort of a finished sequence changes nothing");
        }
    }

    @Test
    void aStopTokenIdEndsTheSequence() throws Exception {
        GenerationRequest r = request(2, 4, 10);
        int[] expected = new Generator(new PagedRecallLm(), new EngineOptions(BLOCK_SIZE, 0, 8, 0), 2)
                .generate(List.of(r), TokenListener.NONE).get(0).outputIds();
        try (EngineLoop loop = new EngineLoop(new PagedRecallLm(), new EngineOptions(BLOCK_SIZE, 64, 8, 1000), tokenizer(), 16)) {
            Collector c = new Collector();
            loop.submit(List.of(new StreamRequest(r, List.of(), new int[] {expected[3]}, -1, LogitsAdjust.NONE, 0)), List.of(c)).orElseThrow();
            StreamFinish f = c.await();
            assertEquals(FinishReason.STOP, f.reason());
            int firstAt = 0;
            while (expected[firstAt] != expected[3]) firstAt++;
            assertEquals(firstAt + 1, f.numOutputTokens(), "the first occurrence of the id stops it");
        }
    }

    @Test
    void aFullQueueRefusesAtOnceAndTakesNothing() throws Exception {
        try (EngineLoop loop = new EngineLoop(new PagedRecallLm(), new EngineOptions(BLOCK_SIZE, 64, 8, 1000), tokenizer(), 2)) {
            List<StreamRequest> three = List.of(StreamRequest.of(request(0, 3, 2)), StreamRequest.of(request(1, 3, 2)),
                    StreamRequest.of(request(2, 3, 2)));
            List<StreamSink> sinks = List.of(new Collector(), new Collector(), new Collector());
            assertTrue(loop.submit(three, sinks).isEmpty());
            Collector c = new Collector();
            assertTrue(loop.submit(List.of(three.get(0)), List.of(c)).isPresent(), "the refused ones took no place");
            c.await();
            assertTrue(c.scheduled);
        }
    }
}
