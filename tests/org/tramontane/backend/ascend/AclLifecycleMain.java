package org.tramontane.backend.ascend;

import org.tramontane.config.Precision;

/**
 * ACL's once-per-process rules need a process of their own (after aclFinalize nothing works in it):
 * {@link AclLifecycleTest} runs this with one scenario and reads the exit status and output.
 * <ul>
 *   <li>{@code external-init}: another library calls aclInit first (ACL-1, ACL_ERROR_REPEAT_INITIALIZE
 *       for the backend's own call); backends then open, close and open again.
 *   <li>{@code after-finalize}: a backend opens and closes, aclFinalize runs, and then neither aclInit
 *       nor a backend works (ACL-3).
 * </ul>
 */
final class AclLifecycleMain {
    private AclLifecycleMain() {}

    public static void main(String[] args) {
        switch (args[0]) {
            case "external-init" -> {
                expect("aclInit by another library", 0, AscendProbes.tnr_acl_init());
                openAndClose("first backend");
                openAndClose("second backend");
            }
            case "after-finalize" -> {
                openAndClose("first backend");
                openAndClose("second backend");
                expect("aclFinalize", 0, AscendProbes.tnr_acl_finalize());
                expect("aclInit after aclFinalize", 100001, AscendProbes.tnr_acl_init());
                try {
                    AscendBackend.open(Precision.FP16, true).close();
                    fail("a backend opened after aclFinalize");
                } catch (AscendException e) {
                    System.out.println("backend after aclFinalize: " + e.getMessage());
                }
            }
            default -> fail("unknown scenario " + args[0]);
        }
        System.out.println("ok");
    }

    private static void openAndClose(String what) {
        try (AscendBackend b = AscendBackend.open(Precision.FP16, true)) {
            System.out.println(what + " opened on " + b.device().describe());
        } catch (AscendException e) {
            fail(what + ": " + e.getMessage());
        }
    }

    private static void expect(String what, int want, int got) {
        System.out.println(what + ": " + got);
        if (got != want) fail(what + " returned " + got + ", not " + want);
    }

    private static void fail(String why) {
        System.out.println("FAILED: " + why);
        System.out.flush();
        Runtime.getRuntime().halt(1);
    }
}
