/*
 * spcublas: the JNI bridge behind io.specprefill.cuda.Cublas (see its class comment for why this
 * route). It dlopen()s whatever cuBLAS the machine has (libcublas.so.13 or .so.12, or a path the
 * Java side names) at run time, so the jar links against no CUDA library and one build serves both
 * CUDA 12 and 13 boxes. The few prototypes it needs are declared here (no CUDA headers needed to
 * build); they are the stable cuBLAS v2 C API:
 *   cublasCreate_v2, cublasDestroy_v2, cublasSetStream_v2, cublasSetWorkspace_v2,
 *   cublasGetVersion_v2, cublasGemmEx.
 * Every entry point returns the cuBLAS status (0 = success); the Java side turns it into an
 * exception naming the op and the shapes. Device pointers and streams arrive as raw addresses
 * (read from JCuda's objects on the Java side, see DeviceMemory.addressOf).
 */
#include <jni.h>
#include "spopen.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void* cublasHandle_t;
typedef int (*create_fn)(cublasHandle_t*);
typedef int (*destroy_fn)(cublasHandle_t);
typedef int (*set_stream_fn)(cublasHandle_t, void*);
typedef int (*set_workspace_fn)(cublasHandle_t, void*, size_t);
typedef int (*get_version_fn)(cublasHandle_t, int*);
typedef int (*gemm_ex_fn)(cublasHandle_t, int transa, int transb, int m, int n, int k, const void* alpha,
                          const void* A, int Atype, int lda, const void* B, int Btype, int ldb, const void* beta,
                          void* C, int Ctype, int ldc, int computeType, int algo);

/* Enum values of library_types.h / cublas_api.h (unchanged from CUDA 11 to 13). */
enum { CUDA_R_32F = 0, CUDA_R_16BF = 14 };
enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 };
enum { CUBLAS_COMPUTE_32F = 68 };
enum { CUBLAS_GEMM_DEFAULT = -1 };

static void* lib;
static char libName[1024];
static create_fn p_create;
static destroy_fn p_destroy;
static set_stream_fn p_set_stream;
static set_workspace_fn p_set_workspace;
static get_version_fn p_get_version;
static gemm_ex_fn p_gemm_ex;


static void bindCublas(void* h, char* err, size_t errLen) {
    p_create = (create_fn) sp_sym(h, "cublasCreate_v2", err, errLen);
    p_destroy = (destroy_fn) sp_sym(h, "cublasDestroy_v2", err, errLen);
    p_set_stream = (set_stream_fn) sp_sym(h, "cublasSetStream_v2", err, errLen);
    p_set_workspace = (set_workspace_fn) sp_sym(h, "cublasSetWorkspace_v2", err, errLen);
    p_get_version = (get_version_fn) sp_sym(h, "cublasGetVersion_v2", err, errLen);
    p_gemm_ex = (gemm_ex_fn) sp_sym(h, "cublasGemmEx", err, errLen);
}

/* candidates: ':'-separated names or paths, tried in order. Returns NULL on success, else a message. */
JNIEXPORT jstring JNICALL Java_io_specprefill_cuda_Cublas_nativeOpen(JNIEnv* env, jclass cls, jstring candidates) {
    if (lib) return NULL;
    const char* c = (*env)->GetStringUTFChars(env, candidates, NULL);
    char report[4096];
    lib = sp_open_first(c, bindCublas, libName, sizeof libName, report, sizeof report);
    (*env)->ReleaseStringUTFChars(env, candidates, c);
    return lib ? NULL : (*env)->NewStringUTF(env, report);
}

JNIEXPORT jstring JNICALL Java_io_specprefill_cuda_Cublas_nativeLibraryName(JNIEnv* env, jclass cls) {
    return (*env)->NewStringUTF(env, libName);
}

/* out[0] = the new handle. */
JNIEXPORT jint JNICALL Java_io_specprefill_cuda_Cublas_nativeCreate(JNIEnv* env, jclass cls, jlongArray out) {
    cublasHandle_t h = NULL;
    int status = p_create(&h);
    jlong v = (jlong) (size_t) h;
    (*env)->SetLongArrayRegion(env, out, 0, 1, &v);
    return status;
}

JNIEXPORT jint JNICALL Java_io_specprefill_cuda_Cublas_nativeDestroy(JNIEnv* env, jclass cls, jlong handle) {
    return p_destroy((cublasHandle_t) (size_t) handle);
}

JNIEXPORT jint JNICALL Java_io_specprefill_cuda_Cublas_nativeSetStream(JNIEnv* env, jclass cls, jlong handle, jlong stream) {
    return p_set_stream((cublasHandle_t) (size_t) handle, (void*) (size_t) stream);
}

JNIEXPORT jint JNICALL Java_io_specprefill_cuda_Cublas_nativeSetWorkspace(JNIEnv* env, jclass cls, jlong handle,
                                                                         jlong ptr, jlong bytes) {
    return p_set_workspace((cublasHandle_t) (size_t) handle, (void*) (size_t) ptr, (size_t) bytes);
}

/* out[0] = the library version (e.g. 130001). */
JNIEXPORT jint JNICALL Java_io_specprefill_cuda_Cublas_nativeVersion(JNIEnv* env, jclass cls, jlong handle, jintArray out) {
    int v = 0;
    int status = p_get_version((cublasHandle_t) (size_t) handle, &v);
    jint jv = v;
    (*env)->SetIntArrayRegion(env, out, 0, 1, &jv);
    return status;
}

/*
 * Row-major out[T, n] (f32 or BF16, outType) = x[T, k] (BF16) . w[n, k]^T (BF16) + beta * out,
 * float32 accumulation (beta 0, or 1 to add into a float32 out: the residual). In cuBLAS's
 * column-major terms: C[n, T] = W^T[n, k] . X[k, T], i.e. transa = T (w is col-major [k, n]),
 * transb = N (x is col-major [k, T]), lda = ldb = k, ldc = n.
 */
JNIEXPORT jint JNICALL Java_io_specprefill_cuda_Cublas_nativeGemm(JNIEnv* env, jclass cls, jlong handle, jint T,
                                                                  jint n, jint k, jlong w, jlong x, jlong out,
                                                                  jboolean outBf16, jfloat betaValue) {
    const float alpha = 1.0f, beta = betaValue;
    return p_gemm_ex((cublasHandle_t) (size_t) handle, CUBLAS_OP_T, CUBLAS_OP_N, n, T, k, &alpha,
                     (const void*) (size_t) w, CUDA_R_16BF, k, (const void*) (size_t) x, CUDA_R_16BF, k, &beta,
                     (void*) (size_t) out, outBf16 ? CUDA_R_16BF : CUDA_R_32F, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
}

/*
 * cuBLASLt, for the FP8 GEMMs (io.specprefill.cuda.Fp8Kernels, through Cublas.gemmFp8). Opened
 * separately (libcublasLt.so.13 or .so.12): a machine without it still has the BF16 GEMMs. Declared
 * by hand like the rest; the enum values are cublasLt.h's (stable from CUDA 12.0, the scale modes
 * from 12.9, unchanged in 13): cublasLtMatmulDescAttributes_t TRANSA 3, TRANSB 4, A_SCALE_POINTER 17,
 * B_SCALE_POINTER 18, A_SCALE_MODE 31, B_SCALE_MODE 32; cublasLtMatmulMatrixScale_t OUTER_VEC_32F 3;
 * cublasLtMatmulPreferenceAttributes_t MAX_WORKSPACE_BYTES 1; cudaDataType CUDA_R_8F_E4M3 28.
 */
#include <stdint.h>

typedef void* ltHandle_t;
typedef void* ltDesc_t;
typedef void* ltLayout_t;
typedef void* ltPref_t;
typedef struct { uint64_t data[8]; } ltAlgo_t;
typedef struct { ltAlgo_t algo; size_t workspaceSize; int state; float wavesCount; int reserved[4]; } ltHeuristic_t;

typedef int (*lt_create_fn)(ltHandle_t*);
typedef int (*lt_destroy_fn)(ltHandle_t);
typedef int (*lt_desc_create_fn)(ltDesc_t*, int computeType, int scaleType);
typedef int (*lt_desc_destroy_fn)(ltDesc_t);
typedef int (*lt_desc_set_fn)(ltDesc_t, int attr, const void* buf, size_t size);
typedef int (*lt_layout_create_fn)(ltLayout_t*, int type, uint64_t rows, uint64_t cols, int64_t ld);
typedef int (*lt_layout_destroy_fn)(ltLayout_t);
typedef int (*lt_pref_create_fn)(ltPref_t*);
typedef int (*lt_pref_destroy_fn)(ltPref_t);
typedef int (*lt_pref_set_fn)(ltPref_t, int attr, const void* buf, size_t size);
typedef int (*lt_heuristic_fn)(ltHandle_t, ltDesc_t, ltLayout_t, ltLayout_t, ltLayout_t, ltLayout_t, ltPref_t, int,
                               ltHeuristic_t*, int*);
typedef int (*lt_matmul_fn)(ltHandle_t, ltDesc_t, const void* alpha, const void* A, ltLayout_t, const void* B,
                            ltLayout_t, const void* beta, const void* C, ltLayout_t, void* D, ltLayout_t,
                            const ltAlgo_t*, void* workspace, size_t workspaceBytes, void* stream);

enum { CUDA_R_8F_E4M3 = 28 };
enum { LT_TRANSA = 3, LT_TRANSB = 4, LT_A_SCALE_POINTER = 17, LT_B_SCALE_POINTER = 18, LT_A_SCALE_MODE = 31,
       LT_B_SCALE_MODE = 32 };
enum { LT_SCALE_OUTER_VEC_32F = 3 };
enum { LT_PREF_MAX_WORKSPACE_BYTES = 1 };
enum { STATUS_NOT_SUPPORTED = 15, STATUS_ALLOC_FAILED = 3 };

static void* ltLib;
static char ltName[1024];
static lt_create_fn lt_create;
static lt_destroy_fn lt_destroy;
static lt_desc_create_fn lt_desc_create;
static lt_desc_destroy_fn lt_desc_destroy;
static lt_desc_set_fn lt_desc_set;
static lt_layout_create_fn lt_layout_create;
static lt_layout_destroy_fn lt_layout_destroy;
static lt_pref_create_fn lt_pref_create;
static lt_pref_destroy_fn lt_pref_destroy;
static lt_pref_set_fn lt_pref_set;
static lt_heuristic_fn lt_heuristic;
static lt_matmul_fn lt_matmul;

static void bindCublasLt(void* h, char* err, size_t errLen) {
    lt_create = (lt_create_fn) sp_sym(h, "cublasLtCreate", err, errLen);
    lt_destroy = (lt_destroy_fn) sp_sym(h, "cublasLtDestroy", err, errLen);
    lt_desc_create = (lt_desc_create_fn) sp_sym(h, "cublasLtMatmulDescCreate", err, errLen);
    lt_desc_destroy = (lt_desc_destroy_fn) sp_sym(h, "cublasLtMatmulDescDestroy", err, errLen);
    lt_desc_set = (lt_desc_set_fn) sp_sym(h, "cublasLtMatmulDescSetAttribute", err, errLen);
    lt_layout_create = (lt_layout_create_fn) sp_sym(h, "cublasLtMatrixLayoutCreate", err, errLen);
    lt_layout_destroy = (lt_layout_destroy_fn) sp_sym(h, "cublasLtMatrixLayoutDestroy", err, errLen);
    lt_pref_create = (lt_pref_create_fn) sp_sym(h, "cublasLtMatmulPreferenceCreate", err, errLen);
    lt_pref_destroy = (lt_pref_destroy_fn) sp_sym(h, "cublasLtMatmulPreferenceDestroy", err, errLen);
    lt_pref_set = (lt_pref_set_fn) sp_sym(h, "cublasLtMatmulPreferenceSetAttribute", err, errLen);
    lt_heuristic = (lt_heuristic_fn) sp_sym(h, "cublasLtMatmulAlgoGetHeuristic", err, errLen);
    lt_matmul = (lt_matmul_fn) sp_sym(h, "cublasLtMatmul", err, errLen);
}

JNIEXPORT jstring JNICALL Java_io_specprefill_cuda_Cublas_nativeOpenLt(JNIEnv* env, jclass cls, jstring candidates) {
    if (ltLib) return NULL;
    const char* c = (*env)->GetStringUTFChars(env, candidates, NULL);
    char report[4096];
    ltLib = sp_open_first(c, bindCublasLt, ltName, sizeof ltName, report, sizeof report);
    (*env)->ReleaseStringUTFChars(env, candidates, c);
    return ltLib ? NULL : (*env)->NewStringUTF(env, report);
}

/* One planned FP8 GEMM shape: descriptor, layouts and the heuristic's algorithm, reused per call. */
typedef struct {
    int T, n, k, outBf16, accumulate, outerVec, used;
    ltDesc_t desc;
    ltLayout_t a, b, c;
    ltAlgo_t algo;
} fp8Plan;

#define PLANS 128
typedef struct {
    ltHandle_t handle;
    fp8Plan plans[PLANS];
    int next;
} ltContext;

static void freePlan(fp8Plan* p) {
    if (p->desc) lt_desc_destroy(p->desc);
    if (p->a) lt_layout_destroy(p->a);
    if (p->b) lt_layout_destroy(p->b);
    if (p->c) lt_layout_destroy(p->c);
    memset(p, 0, sizeof *p);
}

/* out[0] = a new context (cublasLtCreate plus an empty plan cache). */
JNIEXPORT jint JNICALL Java_io_specprefill_cuda_Cublas_nativeLtCreate(JNIEnv* env, jclass cls, jlongArray out) {
    ltContext* ctx = calloc(1, sizeof(ltContext));
    if (!ctx) return STATUS_ALLOC_FAILED;
    int status = lt_create(&ctx->handle);
    if (status != 0) {
        free(ctx);
        return status;
    }
    jlong v = (jlong) (size_t) ctx;
    (*env)->SetLongArrayRegion(env, out, 0, 1, &v);
    return 0;
}

JNIEXPORT jint JNICALL Java_io_specprefill_cuda_Cublas_nativeLtDestroy(JNIEnv* env, jclass cls, jlong context) {
    ltContext* ctx = (ltContext*) (size_t) context;
    for (int i = 0; i < PLANS; i++) freePlan(&ctx->plans[i]);
    int status = lt_destroy(ctx->handle);
    free(ctx);
    return status;
}

/*
 * Plans D[n, T] (column-major, i.e. row-major out[T, n]) = op(A) . B with A = w: E4M3 stored
 * column-major [k, n] (row-major [n, k]) and transposed, B = x: E4M3 column-major [k, T] (row-major
 * [T, k]), not transposed: the "TN" layout FP8 tensor cores need. C = D (beta 1 adds into it).
 * outerVec: scale A by a vector of n floats and B by one of T floats (outer-vector scaling).
 */
static int plan(ltContext* ctx, fp8Plan* p, int T, int n, int k, int outBf16, int accumulate, int outerVec,
                size_t workspaceBytes) {
    int outType = outBf16 ? CUDA_R_16BF : CUDA_R_32F;
    int opT = CUBLAS_OP_T, opN = CUBLAS_OP_N;
    int status = lt_desc_create(&p->desc, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    if (!status) status = lt_desc_set(p->desc, LT_TRANSA, &opT, sizeof opT);
    if (!status) status = lt_desc_set(p->desc, LT_TRANSB, &opN, sizeof opN);
    if (!status && outerVec) {
        int mode = LT_SCALE_OUTER_VEC_32F;
        status = lt_desc_set(p->desc, LT_A_SCALE_MODE, &mode, sizeof mode);
        if (!status) status = lt_desc_set(p->desc, LT_B_SCALE_MODE, &mode, sizeof mode);
    }
    if (!status) status = lt_layout_create(&p->a, CUDA_R_8F_E4M3, (uint64_t) k, (uint64_t) n, k);
    if (!status) status = lt_layout_create(&p->b, CUDA_R_8F_E4M3, (uint64_t) k, (uint64_t) T, k);
    if (!status) status = lt_layout_create(&p->c, outType, (uint64_t) n, (uint64_t) T, n);
    ltPref_t pref = NULL;
    if (!status) status = lt_pref_create(&pref);
    uint64_t ws = workspaceBytes;
    if (!status) status = lt_pref_set(pref, LT_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
    if (!status && outerVec) {
        /* the heuristic checks the scale pointers' presence: any non-null address will do here */
        const void* dummy = (const void*) (size_t) 256;
        status = lt_desc_set(p->desc, LT_A_SCALE_POINTER, &dummy, sizeof dummy);
        if (!status) status = lt_desc_set(p->desc, LT_B_SCALE_POINTER, &dummy, sizeof dummy);
    }
    ltHeuristic_t result;
    int found = 0;
    if (!status) status = lt_heuristic(ctx->handle, p->desc, p->a, p->b, p->c, p->c, pref, 1, &result, &found);
    if (pref) lt_pref_destroy(pref);
    if (!status && found == 0) status = STATUS_NOT_SUPPORTED;
    if (status) {
        freePlan(p);
        return status;
    }
    p->algo = result.algo;
    p->T = T; p->n = n; p->k = k; p->outBf16 = outBf16; p->accumulate = accumulate; p->outerVec = outerVec;
    p->used = 1;
    return 0;
}

/*
 * Row-major out[T, n] (f32 or BF16) = x[T, k] (E4M3) . w[n, k]^T (E4M3), float32 accumulation,
 * + out when accumulate (f32 out). outerVec: times xScale[t] * wScale[j] (device f32 vectors),
 * else unscaled (the caller's epilogue scales). Returns the cuBLAS status (15: not supported).
 */
JNIEXPORT jint JNICALL Java_io_specprefill_cuda_Cublas_nativeLtMatmulFp8(
        JNIEnv* env, jclass cls, jlong context, jlong stream, jlong workspace, jlong workspaceBytes, jint T, jint n,
        jint k, jlong w, jlong wScale, jlong x, jlong xScale, jlong out, jboolean outBf16, jboolean accumulate,
        jboolean outerVec) {
    ltContext* ctx = (ltContext*) (size_t) context;
    fp8Plan* p = NULL;
    for (int i = 0; i < PLANS && !p; i++) {
        fp8Plan* q = &ctx->plans[i];
        if (q->used && q->T == T && q->n == n && q->k == k && q->outBf16 == outBf16 && q->accumulate == accumulate
                && q->outerVec == outerVec) p = q;
    }
    if (!p) {
        p = &ctx->plans[ctx->next];
        ctx->next = (ctx->next + 1) % PLANS;
        freePlan(p);
        int status = plan(ctx, p, T, n, k, outBf16, accumulate, outerVec, (size_t) workspaceBytes);
        if (status) return status;
    }
    if (outerVec) {
        const void* a = (const void*) (size_t) wScale;
        const void* b = (const void*) (size_t) xScale;
        int status = lt_desc_set(p->desc, LT_A_SCALE_POINTER, &a, sizeof a);
        if (!status) status = lt_desc_set(p->desc, LT_B_SCALE_POINTER, &b, sizeof b);
        if (status) return status;
    }
    const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
    void* d = (void*) (size_t) out;
    return lt_matmul(ctx->handle, p->desc, &alpha, (const void*) (size_t) w, p->a, (const void*) (size_t) x, p->b,
                     &beta, d, p->c, d, p->c, &p->algo, (void*) (size_t) workspace, (size_t) workspaceBytes,
                     (void*) (size_t) stream);
}

JNIEXPORT jstring JNICALL Java_io_specprefill_cuda_Cublas_nativeLtLibraryName(JNIEnv* env, jclass cls) {
    return (*env)->NewStringUTF(env, ltName);
}
