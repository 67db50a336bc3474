// Which CANN release these declarations follow, as TRAMONTANE_CANN_VERSION = major * 10000 +
// minor * 100: 80100 = 8.1.RC1, 80200 = 8.2.RC1, 80300 = 8.3.RC1, 80500 = 8.5.0 (the releases
// cann-facts.json describes; the conformance test checks each). native/ascend/build.sh passes it;
// without it the declarations are 8.5.0's, the release the simulator imitates. Not a CANN header:
// a build against a CANN toolkit never sees this directory, and build.sh reads the version from
// the toolkit instead.
#ifndef TRAMONTANE_CANN_VERSION_H
#define TRAMONTANE_CANN_VERSION_H
#ifndef TRAMONTANE_CANN_VERSION
#define TRAMONTANE_CANN_VERSION 80500
#endif
#if TRAMONTANE_CANN_VERSION < 80100
#error "TRAMONTANE_CANN_VERSION: CANN releases before 8.1.RC1 are not supported"
#endif
#endif
