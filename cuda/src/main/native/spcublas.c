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
#include <dlfcn.h>
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

static void* sym(void* h, const char* name, char* err, size_t errLen) {
    void* p = dlsym(h, name);
    if (!p && strlen(err) == 0) snprintf(err, errLen, "symbol %s not found", name);
    return p;
}

/* candidates: ':'-separated names or paths, tried in order. Returns NULL on success, else a message. */
JNIEXPORT jstring JNICALL Java_io_specprefill_cuda_Cublas_nativeOpen(JNIEnv* env, jclass cls, jstring candidates) {
    if (lib) return NULL;
    const char* c = (*env)->GetStringUTFChars(env, candidates, NULL);
    char* list = strdup(c);
    (*env)->ReleaseStringUTFChars(env, candidates, c);
    char report[4096] = "";
    for (char* name = strtok(list, ":"); name; name = strtok(NULL, ":")) {
        void* h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            size_t used = strlen(report);
            snprintf(report + used, sizeof report - used, "%s%s", used ? "; " : "", dlerror());
            continue;
        }
        char err[256] = "";
        p_create = (create_fn) sym(h, "cublasCreate_v2", err, sizeof err);
        p_destroy = (destroy_fn) sym(h, "cublasDestroy_v2", err, sizeof err);
        p_set_stream = (set_stream_fn) sym(h, "cublasSetStream_v2", err, sizeof err);
        p_set_workspace = (set_workspace_fn) sym(h, "cublasSetWorkspace_v2", err, sizeof err);
        p_get_version = (get_version_fn) sym(h, "cublasGetVersion_v2", err, sizeof err);
        p_gemm_ex = (gemm_ex_fn) sym(h, "cublasGemmEx", err, sizeof err);
        if (strlen(err) > 0) {
            size_t used = strlen(report);
            snprintf(report + used, sizeof report - used, "%s%s: %s", used ? "; " : "", name, err);
            dlclose(h);
            continue;
        }
        lib = h;
        snprintf(libName, sizeof libName, "%s", name);
        free(list);
        return NULL;
    }
    free(list);
    return (*env)->NewStringUTF(env, report);
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
