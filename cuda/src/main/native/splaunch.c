/*
 * splaunch: the JNI bridge behind io.specprefill.cuda.ProgrammaticLaunch. JCuda's driver API has no
 * cuLaunchKernelEx, and launch attributes need it: with CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION
 * a kernel may start while the previous kernel on its stream drains (programmatic dependent launch,
 * sm_90), doing what does not depend on it (a GEMV's weight loads) before `griddepcontrol.wait`.
 * It dlopen()s the driver (libcuda.so.1) at run time, like the other bridges; the two structs it
 * needs are declared here with cuda.h's layout (CUDA 12 and 13):
 *   CUlaunchAttribute {int id; pad to 8; union of 64 bytes}, CUlaunchConfig {7 unsigned; stream;
 *   attrs; numAttrs}.
 * Returns the CUresult (0 = success); the Java side names the kernel on failure.
 */
#include <jni.h>
#include "spopen.h"

typedef struct {
    int id;
    char pad[4];
    union {
        char pad[64];
        int value;
    } value;
} sp_launch_attribute;

typedef struct {
    unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes;
    void* stream;
    sp_launch_attribute* attrs;
    unsigned numAttrs;
} sp_launch_config;

typedef int (*launch_ex_fn)(const sp_launch_config*, void* f, void** params, void** extra);

enum { CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6 };
enum { MAX_PARAMS = 24 };

static launch_ex_fn p_launch_ex;

static void bindDriver(void* h, char* err, size_t errLen) {
    p_launch_ex = (launch_ex_fn) sp_sym(h, "cuLaunchKernelEx", err, errLen);
}

/* Returns NULL on success, else why the driver's cuLaunchKernelEx cannot be had. */
JNIEXPORT jstring JNICALL Java_io_specprefill_cuda_ProgrammaticLaunch_nativeOpen(JNIEnv* env, jclass cls) {
    char name[256], report[1024];
    void* h = sp_open_first("libcuda.so.1:libcuda.so", bindDriver, name, sizeof name, report, sizeof report);
    return h ? NULL : (*env)->NewStringUTF(env, report);
}

/*
 * Launches f on stream with programmatic stream serialization. params: n 8-byte slots, one per kernel
 * parameter (a pointer, or a 4-byte int or float in the slot's low half: x86-64 is little-endian).
 */
JNIEXPORT jint JNICALL Java_io_specprefill_cuda_ProgrammaticLaunch_nativeLaunch(JNIEnv* env, jclass cls, jlong f,
        jint gx, jint gy, jint gz, jint block, jint smem, jlong stream, jlongArray params, jint n) {
    if (n < 0 || n > MAX_PARAMS) return 1; /* CUDA_ERROR_INVALID_VALUE */
    jlong slots[MAX_PARAMS];
    void* ptrs[MAX_PARAMS];
    (*env)->GetLongArrayRegion(env, params, 0, n, slots);
    for (int i = 0; i < n; i++) ptrs[i] = &slots[i];
    sp_launch_attribute attr;
    memset(&attr, 0, sizeof attr);
    attr.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attr.value.value = 1;
    sp_launch_config c = {(unsigned) gx, (unsigned) gy, (unsigned) gz, (unsigned) block, 1, 1, (unsigned) smem,
                          (void*) stream, &attr, 1};
    return p_launch_ex(&c, (void*) f, ptrs, NULL);
}
