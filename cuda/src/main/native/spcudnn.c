/*
 * spcudnn: the JNI bridge behind io.specprefill.cuda.Cudnn: cuDNN's fused flash attention (the
 * kernel PyTorch's SDPBackend.CUDNN_ATTENTION runs) through cuDNN's backend graph API, for causal
 * prefill attention. Like spcublas.c it dlopen()s whatever cuDNN 9 the machine has at run time
 * (libcudnn.so.9, or a path the Java side names) and declares the few entry points and enum values
 * it uses itself (the cuDNN 9 backend API, stable across 9.x), so the build needs no cuDNN headers.
 *
 * The graph is the one cuDNN's own frontend (v1.18, the version PyTorch 2.11 bundles) builds for
 * causal SDPA inference, which cuDNN recognises as its fused SDPA_FWD pattern:
 *   S = Q . K^T (f32) -> * scale -> causal mask (row index >= column index, else -inf) ->
 *   softmax (max, sub, exp, sum, div; plus the unused log-sum-exp stats branch the frontend emits)
 *   -> P (BF16) -> O = P . V.
 * Tensors are [B, H, S, D] with explicit strides, so Q is read straight out of the packed qkv rows,
 * K and V straight out of our KV cache block [G][capacity][D] of one sequence (GQA: H_k = G < H),
 * and O is written into the attention output rows [T, H * D]. One plan serves one shape (B = 1,
 * H, G, S, D and the strides); the Java side caches plans.
 *
 * Every entry point returns NULL on success or a message naming the step, the cuDNN status and
 * cuDNN's own last error string.
 */
#include <jni.h>
#include "spopen.h"
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void* cudnnHandle_t;
typedef void* desc_t;   /* cudnnBackendDescriptor_t */

typedef int (*create_fn)(cudnnHandle_t*);
typedef int (*destroy_fn)(cudnnHandle_t);
typedef int (*set_stream_fn)(cudnnHandle_t, void*);
typedef size_t (*get_version_fn)(void);
typedef const char* (*error_string_fn)(int);
typedef void (*last_error_fn)(char*, size_t);
typedef int (*create_desc_fn)(int type, desc_t* desc);
typedef int (*destroy_desc_fn)(desc_t desc);
typedef int (*set_attr_fn)(desc_t desc, int name, int type, int64_t count, const void* values);
typedef int (*get_attr_fn)(desc_t desc, int name, int type, int64_t requested, int64_t* count, void* values);
typedef int (*finalize_fn)(desc_t desc);
typedef int (*execute_fn)(cudnnHandle_t handle, desc_t plan, desc_t variantPack);

/* cudnnBackendDescriptorType_t */
enum { POINTWISE_DESC = 0, ENGINECFG_DESC = 3, ENGINEHEUR_DESC = 4, EXECUTION_PLAN_DESC = 5,
       OPERATION_POINTWISE_DESC = 13, OPERATIONGRAPH_DESC = 15, VARIANT_PACK_DESC = 16, TENSOR_DESC = 17,
       MATMUL_DESC = 18, OPERATION_MATMUL_DESC = 19, REDUCTION_DESC = 21, OPERATION_REDUCTION_DESC = 22,
       KERNEL_CACHE_DESC = 34 /* cuDNN >= 9.4 */ };
/* cudnnBackendAttributeType_t */
enum { TYPE_HANDLE = 0, TYPE_DATA_TYPE = 1, TYPE_BOOLEAN = 2, TYPE_INT64 = 3, TYPE_FLOAT = 4, TYPE_VOID_PTR = 6,
       TYPE_HEUR_MODE = 8, TYPE_POINTWISE_MODE = 14, TYPE_BACKEND_DESCRIPTOR = 15, TYPE_REDUCTION_OPERATOR = 18 };
/* cudnnBackendAttributeName_t */
enum { ATTR_POINTWISE_MODE = 0, ATTR_POINTWISE_MATH_PREC = 1, ATTR_POINTWISE_AXIS = 9,
       ATTR_ENGINEHEUR_MODE = 200, ATTR_ENGINEHEUR_OPERATION_GRAPH = 201, ATTR_ENGINEHEUR_RESULTS = 202,
       ATTR_EXECUTION_PLAN_ENGINE_CONFIG = 401, ATTR_EXECUTION_PLAN_WORKSPACE_SIZE = 402,
       ATTR_EXECUTION_PLAN_KERNEL_CACHE = 406, ATTR_OPERATIONGRAPH_IS_DYNAMIC_SHAPE_ENABLED = 803,
       ATTR_KERNEL_CACHE_OPERATION_GRAPH = 2400 /* cuDNN >= 9.5 */,
       ATTR_OP_POINTWISE_PW_DESCRIPTOR = 750, ATTR_OP_POINTWISE_XDESC = 751, ATTR_OP_POINTWISE_BDESC = 752,
       ATTR_OP_POINTWISE_YDESC = 753, ATTR_OP_POINTWISE_ALPHA1 = 754, ATTR_OP_POINTWISE_ALPHA2 = 755,
       ATTR_OP_POINTWISE_TDESC = 758, ATTR_OPERATIONGRAPH_HANDLE = 800, ATTR_OPERATIONGRAPH_OPS = 801,
       ATTR_TENSOR_BYTE_ALIGNMENT = 900, ATTR_TENSOR_DATA_TYPE = 901, ATTR_TENSOR_DIMENSIONS = 902,
       ATTR_TENSOR_STRIDES = 903, ATTR_TENSOR_UNIQUE_ID = 906, ATTR_TENSOR_IS_VIRTUAL = 907,
       ATTR_TENSOR_IS_BY_VALUE = 908, ATTR_VARIANT_PACK_UNIQUE_IDS = 1000, ATTR_VARIANT_PACK_DATA_POINTERS = 1001,
       ATTR_VARIANT_PACK_WORKSPACE = 1003, ATTR_MATMUL_COMP_TYPE = 1500, ATTR_OP_MATMUL_ADESC = 1520,
       ATTR_OP_MATMUL_BDESC = 1521, ATTR_OP_MATMUL_CDESC = 1522, ATTR_OP_MATMUL_DESC = 1523,
       ATTR_REDUCTION_OPERATOR = 1600, ATTR_REDUCTION_COMP_TYPE = 1601, ATTR_REDUCTION_IS_DETERMINISTIC = 1602,
       ATTR_OP_REDUCTION_XDESC = 1610, ATTR_OP_REDUCTION_YDESC = 1611, ATTR_OP_REDUCTION_DESC = 1612 };
/* cudnnDataType_t, cudnnPointwiseMode_t, cudnnReduceTensorOp_t, cudnnBackendHeurMode_t */
enum { DATA_FLOAT = 0, DATA_INT32 = 4, DATA_BFLOAT16 = 9, DATA_BOOLEAN = 11 };
enum { PW_ADD = 0, PW_MUL = 1, PW_DIV = 6, PW_SUB = 9, PW_EXP = 13, PW_LOG = 15, PW_CMP_GE = 303,
       PW_GEN_INDEX = 501, PW_BINARY_SELECT = 601 };
enum { REDUCE_ADD = 0, REDUCE_MAX = 3 };
enum { HEUR_MODE_A = 3 };

/* Tensor ids of the graph (the variant pack names the non-virtual ones). */
enum { UID_Q = 1, UID_K = 2, UID_V = 3, UID_O = 4, UID_SCALE = 5, UID_NEG_INF = 6 };

static void* lib;
static char libName[1024];
static create_fn p_create;
static destroy_fn p_destroy;
static set_stream_fn p_set_stream;
static get_version_fn p_get_version;
static error_string_fn p_error_string;
static last_error_fn p_last_error;   /* cuDNN >= 9.0; may be absent */
static create_desc_fn p_create_desc;
static destroy_desc_fn p_destroy_desc;
static set_attr_fn p_set_attr;
static get_attr_fn p_get_attr;
static finalize_fn p_finalize;
static execute_fn p_execute;
static float negInfValue;   /* by-value tensor: its address must stay valid at execute time */


static void bindCudnn(void* h, char* err, size_t errLen) {
    p_create = (create_fn) sp_sym(h, "cudnnCreate", err, errLen);
    p_destroy = (destroy_fn) sp_sym(h, "cudnnDestroy", err, errLen);
    p_set_stream = (set_stream_fn) sp_sym(h, "cudnnSetStream", err, errLen);
    p_get_version = (get_version_fn) sp_sym(h, "cudnnGetVersion", err, errLen);
    p_error_string = (error_string_fn) sp_sym(h, "cudnnGetErrorString", err, errLen);
    p_create_desc = (create_desc_fn) sp_sym(h, "cudnnBackendCreateDescriptor", err, errLen);
    p_destroy_desc = (destroy_desc_fn) sp_sym(h, "cudnnBackendDestroyDescriptor", err, errLen);
    p_set_attr = (set_attr_fn) sp_sym(h, "cudnnBackendSetAttribute", err, errLen);
    p_get_attr = (get_attr_fn) sp_sym(h, "cudnnBackendGetAttribute", err, errLen);
    p_finalize = (finalize_fn) sp_sym(h, "cudnnBackendFinalize", err, errLen);
    p_execute = (execute_fn) sp_sym(h, "cudnnBackendExecute", err, errLen);
    if (strlen(err) == 0 && p_get_version() < 90000) snprintf(err, errLen, "cuDNN %zu is older than 9.0", p_get_version());
    p_last_error = strlen(err) == 0 ? (last_error_fn) dlsym(h, "cudnnGetLastErrorString") : NULL;
}

JNIEXPORT jstring JNICALL Java_io_specprefill_cuda_Cudnn_nativeOpen(JNIEnv* env, jclass cls, jstring candidates) {
    if (lib) return NULL;
    const char* c = (*env)->GetStringUTFChars(env, candidates, NULL);
    char report[4096];
    lib = sp_open_first(c, bindCudnn, libName, sizeof libName, report, sizeof report);
    (*env)->ReleaseStringUTFChars(env, candidates, c);
    if (!lib) return (*env)->NewStringUTF(env, report);
    /* cuDNN's frontend masks with -inf from 9.10 on and with the lowest float before. */
    negInfValue = p_get_version() >= 91000 ? -INFINITY : -FLT_MAX;
    return NULL;
}

JNIEXPORT jstring JNICALL Java_io_specprefill_cuda_Cudnn_nativeLibraryName(JNIEnv* env, jclass cls) {
    return (*env)->NewStringUTF(env, libName);
}

JNIEXPORT jlong JNICALL Java_io_specprefill_cuda_Cudnn_nativeVersion(JNIEnv* env, jclass cls) {
    return (jlong) p_get_version();
}

/* A message for a failed call: the step, the status name and cuDNN's last error string. */
static jstring fail(JNIEnv* env, const char* step, int status) {
    char last[1024] = "";
    if (p_last_error) p_last_error(last, sizeof last);
    char msg[1400];
    snprintf(msg, sizeof msg, "%s: %s (%d)%s%s", step, p_error_string(status), status, strlen(last) ? ": " : "", last);
    return (*env)->NewStringUTF(env, msg);
}

JNIEXPORT jstring JNICALL Java_io_specprefill_cuda_Cudnn_nativeCreate(JNIEnv* env, jclass cls, jlongArray out) {
    cudnnHandle_t h = NULL;
    int status = p_create(&h);
    if (status != 0) return fail(env, "cudnnCreate", status);
    jlong v = (jlong) (size_t) h;
    (*env)->SetLongArrayRegion(env, out, 0, 1, &v);
    return NULL;
}

JNIEXPORT void JNICALL Java_io_specprefill_cuda_Cudnn_nativeDestroy(JNIEnv* env, jclass cls, jlong handle) {
    p_destroy((cudnnHandle_t) (size_t) handle);
}

JNIEXPORT jstring JNICALL Java_io_specprefill_cuda_Cudnn_nativeSetStream(JNIEnv* env, jclass cls, jlong handle, jlong stream) {
    int status = p_set_stream((cudnnHandle_t) (size_t) handle, (void*) (size_t) stream);
    return status == 0 ? NULL : fail(env, "cudnnSetStream", status);
}

/* ------------------------------------------------------------------ graph building */

#define MAX_DESCS 64
typedef struct {
    desc_t plan;
    int64_t workspace;
    int count;
    desc_t all[MAX_DESCS];   /* every descriptor the plan was built from, destroyed with it */
} Plan;

typedef struct {
    JNIEnv* env;
    Plan* p;
    const char* step;
    int status;
} Builder;

static desc_t make(Builder* b, int type, const char* what) {
    desc_t d = NULL;
    if (b->status) return NULL;
    int s = p_create_desc(type, &d);
    if (s != 0 || b->p->count == MAX_DESCS) {
        b->status = s ? s : 4000; /* CUDNN_STATUS_INTERNAL_ERROR: out of descriptor slots */
        b->step = what;
        return NULL;
    }
    b->p->all[b->p->count++] = d;
    return d;
}

static void set(Builder* b, desc_t d, int name, int type, int64_t count, const void* values, const char* what) {
    if (b->status) return;
    int s = p_set_attr(d, name, type, count, values);
    if (s != 0) { b->status = s; b->step = what; }
}

static void finalize(Builder* b, desc_t d, const char* what) {
    if (b->status) return;
    int s = p_finalize(d);
    if (s != 0) { b->status = s; b->step = what; }
}

/* A tensor [dims] with strides; virtual tensors live only inside the fused kernel. */
static desc_t tensor(Builder* b, int64_t uid, int dtype, const int64_t* dims, const int64_t* strides,
                     int isVirtual, int byValue, const char* what) {
    desc_t t = make(b, TENSOR_DESC, what);
    int64_t align = 16;
    set(b, t, ATTR_TENSOR_DATA_TYPE, TYPE_DATA_TYPE, 1, &dtype, what);
    set(b, t, ATTR_TENSOR_DIMENSIONS, TYPE_INT64, 4, dims, what);
    set(b, t, ATTR_TENSOR_STRIDES, TYPE_INT64, 4, strides, what);
    set(b, t, ATTR_TENSOR_UNIQUE_ID, TYPE_INT64, 1, &uid, what);
    set(b, t, ATTR_TENSOR_BYTE_ALIGNMENT, TYPE_INT64, 1, &align, what);
    if (isVirtual) {
        int yes = 1;
        set(b, t, ATTR_TENSOR_IS_VIRTUAL, TYPE_BOOLEAN, 1, &yes, what);
    }
    if (byValue) {
        int yes = 1;
        set(b, t, ATTR_TENSOR_IS_BY_VALUE, TYPE_BOOLEAN, 1, &yes, what);
    }
    finalize(b, t, what);
    return t;
}

/* y = op(x[, bIn][, t]) with a pointwise descriptor of mode/precision (axis >= 0 for GEN_INDEX). */
static desc_t pointwise(Builder* b, int mode, int prec, int64_t axis, desc_t x, desc_t bIn, desc_t t, desc_t y,
                        const char* what) {
    desc_t pw = make(b, POINTWISE_DESC, what);
    set(b, pw, ATTR_POINTWISE_MODE, TYPE_POINTWISE_MODE, 1, &mode, what);
    set(b, pw, ATTR_POINTWISE_MATH_PREC, TYPE_DATA_TYPE, 1, &prec, what);
    if (axis >= 0) set(b, pw, ATTR_POINTWISE_AXIS, TYPE_INT64, 1, &axis, what);
    finalize(b, pw, what);
    desc_t op = make(b, OPERATION_POINTWISE_DESC, what);
    float one = 1.0f;
    set(b, op, ATTR_OP_POINTWISE_PW_DESCRIPTOR, TYPE_BACKEND_DESCRIPTOR, 1, &pw, what);
    set(b, op, ATTR_OP_POINTWISE_XDESC, TYPE_BACKEND_DESCRIPTOR, 1, &x, what);
    if (bIn) set(b, op, ATTR_OP_POINTWISE_BDESC, TYPE_BACKEND_DESCRIPTOR, 1, &bIn, what);
    if (t) set(b, op, ATTR_OP_POINTWISE_TDESC, TYPE_BACKEND_DESCRIPTOR, 1, &t, what);
    set(b, op, ATTR_OP_POINTWISE_YDESC, TYPE_BACKEND_DESCRIPTOR, 1, &y, what);
    set(b, op, ATTR_OP_POINTWISE_ALPHA1, TYPE_FLOAT, 1, &one, what);
    set(b, op, ATTR_OP_POINTWISE_ALPHA2, TYPE_FLOAT, 1, &one, what);
    finalize(b, op, what);
    return op;
}

static desc_t matmul(Builder* b, desc_t a, desc_t bm, desc_t c, const char* what) {
    desc_t mm = make(b, MATMUL_DESC, what);
    int f32 = DATA_FLOAT;
    set(b, mm, ATTR_MATMUL_COMP_TYPE, TYPE_DATA_TYPE, 1, &f32, what);
    finalize(b, mm, what);
    desc_t op = make(b, OPERATION_MATMUL_DESC, what);
    set(b, op, ATTR_OP_MATMUL_ADESC, TYPE_BACKEND_DESCRIPTOR, 1, &a, what);
    set(b, op, ATTR_OP_MATMUL_BDESC, TYPE_BACKEND_DESCRIPTOR, 1, &bm, what);
    set(b, op, ATTR_OP_MATMUL_CDESC, TYPE_BACKEND_DESCRIPTOR, 1, &c, what);
    set(b, op, ATTR_OP_MATMUL_DESC, TYPE_BACKEND_DESCRIPTOR, 1, &mm, what);
    finalize(b, op, what);
    return op;
}

static desc_t reduction(Builder* b, int reduceOp, desc_t x, desc_t y, const char* what) {
    desc_t r = make(b, REDUCTION_DESC, what);
    int f32 = DATA_FLOAT, no = 0;
    set(b, r, ATTR_REDUCTION_COMP_TYPE, TYPE_DATA_TYPE, 1, &f32, what);
    set(b, r, ATTR_REDUCTION_OPERATOR, TYPE_REDUCTION_OPERATOR, 1, &reduceOp, what);
    if (!b->status && p_get_version() >= 91100) set(b, r, ATTR_REDUCTION_IS_DETERMINISTIC, TYPE_BOOLEAN, 1, &no, what);
    finalize(b, r, what);
    desc_t op = make(b, OPERATION_REDUCTION_DESC, what);
    set(b, op, ATTR_OP_REDUCTION_DESC, TYPE_BACKEND_DESCRIPTOR, 1, &r, what);
    set(b, op, ATTR_OP_REDUCTION_XDESC, TYPE_BACKEND_DESCRIPTOR, 1, &x, what);
    set(b, op, ATTR_OP_REDUCTION_YDESC, TYPE_BACKEND_DESCRIPTOR, 1, &y, what);
    finalize(b, op, what);
    return op;
}

static void destroyPlan(Plan* p) {
    if (!p) return;
    for (int i = p->count - 1; i >= 0; i--) p_destroy_desc(p->all[i]);
    if (p->plan) p_destroy_desc(p->plan);
    free(p);
}

/*
 * shape = {H, G, S, D, qRowStride, oRowStride, kvHeadStride}: Q rows of qRowStride elements (head h
 * at h * D), O rows of oRowStride, K and V [G][kvHeadStride / D][D] (one sequence's cache block).
 * out = {plan, workspace bytes}.
 * cacheInOut null: a static-shape graph, one compiled kernel per plan. Otherwise a dynamic-shape graph
 * (cuDNN >= 9.4) whose plan binds its kernel through the kernel cache cacheInOut[0]; 0 there: this
 * graph creates the cache (bound to it from 9.5 on, so its plan must outlive the cache) and returns
 * it in cacheInOut[0]. Plans of other lengths of the same topology then reuse the compiled kernel
 * instead of compiling their own (tens of milliseconds each).
 */
JNIEXPORT jstring JNICALL Java_io_specprefill_cuda_Cudnn_nativeSdpaPlan(JNIEnv* env, jclass cls, jlong handle,
                                                                       jlongArray shapeArray, jlongArray cacheInOut,
                                                                       jlongArray out) {
    jlong sh[7];
    (*env)->GetLongArrayRegion(env, shapeArray, 0, 7, sh);
    int dynamic = cacheInOut != NULL;
    jlong cacheIn = 0;
    if (dynamic) (*env)->GetLongArrayRegion(env, cacheInOut, 0, 1, &cacheIn);
    desc_t cache = (desc_t) (size_t) cacheIn, newCache = NULL;
    const int64_t H = sh[0], G = sh[1], S = sh[2], D = sh[3], qRow = sh[4], oRow = sh[5], kvHead = sh[6];
    Plan* p = calloc(1, sizeof(Plan));
    Builder b = {env, p, "", 0};
    cudnnHandle_t h = (cudnnHandle_t) (size_t) handle;

    const int64_t qDims[4] = {1, H, S, D}, qStr[4] = {S * qRow, D, qRow, 1};
    const int64_t ktDims[4] = {1, G, D, S}, ktStr[4] = {G * kvHead, kvHead, 1, D};   /* K^T by strides */
    const int64_t vDims[4] = {1, G, S, D}, vStr[4] = {G * kvHead, kvHead, D, 1};
    const int64_t oStr[4] = {S * oRow, D, oRow, 1};
    const int64_t sDims[4] = {1, H, S, S}, sStr[4] = {H * S * S, S * S, S, 1};
    const int64_t rDims[4] = {1, H, S, 1}, rStr[4] = {H * S, S, 1, 1};
    const int64_t one[4] = {1, 1, 1, 1};

    desc_t q = tensor(&b, UID_Q, DATA_BFLOAT16, qDims, qStr, 0, 0, "tensor Q");
    desc_t kt = tensor(&b, UID_K, DATA_BFLOAT16, ktDims, ktStr, 0, 0, "tensor K^T");
    desc_t v = tensor(&b, UID_V, DATA_BFLOAT16, vDims, vStr, 0, 0, "tensor V");
    desc_t o = tensor(&b, UID_O, DATA_BFLOAT16, qDims, oStr, 0, 0, "tensor O");
    desc_t scale = tensor(&b, UID_SCALE, DATA_FLOAT, one, one, 0, 1, "tensor scale");
    desc_t negInf = tensor(&b, UID_NEG_INF, DATA_FLOAT, one, one, 0, 1, "tensor -inf");
    desc_t s = tensor(&b, 10, DATA_FLOAT, sDims, sStr, 1, 0, "tensor S");
    desc_t ss = tensor(&b, 11, DATA_FLOAT, sDims, sStr, 1, 0, "tensor S*scale");
    desc_t row = tensor(&b, 12, DATA_INT32, sDims, sStr, 1, 0, "tensor row index");
    desc_t col = tensor(&b, 13, DATA_INT32, sDims, sStr, 1, 0, "tensor column index");
    desc_t keep = tensor(&b, 14, DATA_BOOLEAN, sDims, sStr, 1, 0, "tensor causal mask");
    desc_t masked = tensor(&b, 15, DATA_FLOAT, sDims, sStr, 1, 0, "tensor masked S");
    desc_t mx = tensor(&b, 16, DATA_FLOAT, rDims, rStr, 1, 0, "tensor row max");
    desc_t sub = tensor(&b, 17, DATA_FLOAT, sDims, sStr, 1, 0, "tensor S - max");
    desc_t ex = tensor(&b, 18, DATA_FLOAT, sDims, sStr, 1, 0, "tensor exp");
    desc_t sum = tensor(&b, 19, DATA_FLOAT, rDims, rStr, 1, 0, "tensor row sum");
    desc_t lg = tensor(&b, 20, DATA_FLOAT, rDims, rStr, 1, 0, "tensor log sum");
    desc_t stats = tensor(&b, 21, DATA_FLOAT, rDims, rStr, 1, 0, "tensor stats");
    desc_t pr = tensor(&b, 22, DATA_BFLOAT16, sDims, sStr, 1, 0, "tensor P");

    desc_t ops[14];
    ops[0] = matmul(&b, q, kt, s, "bmm1 S = Q.K^T");
    ops[1] = pointwise(&b, PW_MUL, DATA_FLOAT, -1, s, scale, NULL, ss, "attn_scale");
    ops[2] = pointwise(&b, PW_GEN_INDEX, DATA_FLOAT, 2, ss, NULL, NULL, row, "gen_row_index");
    ops[3] = pointwise(&b, PW_GEN_INDEX, DATA_FLOAT, 3, ss, NULL, NULL, col, "gen_col_index");
    ops[4] = pointwise(&b, PW_CMP_GE, DATA_BOOLEAN, -1, row, col, NULL, keep, "row_greater_than_col");
    ops[5] = pointwise(&b, PW_BINARY_SELECT, DATA_FLOAT, -1, ss, negInf, keep, masked, "binary_select");
    ops[6] = reduction(&b, REDUCE_MAX, masked, mx, "softmax max");
    ops[7] = pointwise(&b, PW_SUB, DATA_FLOAT, -1, masked, mx, NULL, sub, "softmax sub");
    ops[8] = pointwise(&b, PW_EXP, DATA_FLOAT, -1, sub, NULL, NULL, ex, "softmax exp");
    ops[9] = reduction(&b, REDUCE_ADD, ex, sum, "softmax sum");
    ops[10] = pointwise(&b, PW_LOG, DATA_FLOAT, -1, sum, NULL, NULL, lg, "softmax log");
    ops[11] = pointwise(&b, PW_ADD, DATA_FLOAT, -1, mx, lg, NULL, stats, "softmax stats");
    ops[12] = pointwise(&b, PW_DIV, DATA_FLOAT, -1, ex, sum, NULL, pr, "softmax div");
    ops[13] = matmul(&b, pr, v, o, "bmm2 O = P.V");

    desc_t graph = make(&b, OPERATIONGRAPH_DESC, "operation graph");
    set(&b, graph, ATTR_OPERATIONGRAPH_OPS, TYPE_BACKEND_DESCRIPTOR, 14, ops, "operation graph ops");
    set(&b, graph, ATTR_OPERATIONGRAPH_HANDLE, TYPE_HANDLE, 1, &h, "operation graph handle");
    if (dynamic) {
        int yes = 1;
        set(&b, graph, ATTR_OPERATIONGRAPH_IS_DYNAMIC_SHAPE_ENABLED, TYPE_BOOLEAN, 1, &yes,
            "operation graph: dynamic shapes (cuDNN >= 9.4)");
    }
    finalize(&b, graph, "operation graph (is this cuDNN's fused SDPA pattern?)");
    if (dynamic && !cache && !b.status) {
        /* Not one of the plan's descriptors: it lives until Cudnn.close destroys it. */
        int st = p_create_desc(KERNEL_CACHE_DESC, &newCache);
        if (st == 0 && p_get_version() >= 90500) {
            st = p_set_attr(newCache, ATTR_KERNEL_CACHE_OPERATION_GRAPH, TYPE_BACKEND_DESCRIPTOR, 1, &graph);
        }
        if (st == 0) st = p_finalize(newCache);
        if (st != 0) { b.status = st; b.step = "kernel cache (cuDNN >= 9.4)"; }
        cache = newCache;
    }

    desc_t heur = make(&b, ENGINEHEUR_DESC, "heuristics");
    int mode = HEUR_MODE_A;
    set(&b, heur, ATTR_ENGINEHEUR_OPERATION_GRAPH, TYPE_BACKEND_DESCRIPTOR, 1, &graph, "heuristics graph");
    set(&b, heur, ATTR_ENGINEHEUR_MODE, TYPE_HEUR_MODE, 1, &mode, "heuristics mode");
    finalize(&b, heur, "heuristics");
    int64_t n = 0;
    if (!b.status) {
        int st = p_get_attr(heur, ATTR_ENGINEHEUR_RESULTS, TYPE_BACKEND_DESCRIPTOR, 0, &n, NULL);
        if (st != 0) { b.status = st; b.step = "heuristics result count"; }
        else if (n == 0) { b.status = 3000; b.step = "heuristics: no engine supports this graph"; }   /* NOT_SUPPORTED */
    }
    if (n > 8) n = 8;
    desc_t cfgs[8] = {0};
    for (int i = 0; i < n; i++) cfgs[i] = make(&b, ENGINECFG_DESC, "engine config");
    int64_t got = 0;
    if (!b.status) {
        int st = p_get_attr(heur, ATTR_ENGINEHEUR_RESULTS, TYPE_BACKEND_DESCRIPTOR, n, &got, cfgs);
        if (st != 0) { b.status = st; b.step = "heuristics results"; }
    }
    /* The first engine configuration that makes a plan wins (cuDNN's frontend does the same). */
    int lastStatus = 3000;
    for (int i = 0; i < got && !b.status && !p->plan; i++) {
        desc_t plan = NULL;
        if (p_create_desc(EXECUTION_PLAN_DESC, &plan) != 0) break;
        int st = p_set_attr(plan, ATTR_EXECUTION_PLAN_ENGINE_CONFIG, TYPE_BACKEND_DESCRIPTOR, 1, &cfgs[i]);
        if (st == 0 && dynamic) st = p_set_attr(plan, ATTR_EXECUTION_PLAN_KERNEL_CACHE, TYPE_BACKEND_DESCRIPTOR, 1, &cache);
        if (st == 0) st = p_finalize(plan);
        if (st == 0) {
            int64_t ws = 0, cnt = 0;
            st = p_get_attr(plan, ATTR_EXECUTION_PLAN_WORKSPACE_SIZE, TYPE_INT64, 1, &cnt, &ws);
            p->workspace = ws;
        }
        if (st == 0) p->plan = plan;
        else { lastStatus = st; p_destroy_desc(plan); }
    }
    if (!b.status && !p->plan) { b.status = lastStatus; b.step = "execution plan (no engine configuration finalized)"; }
    if (b.status) {
        char step[256];
        snprintf(step, sizeof step, "SDPA plan H=%lld G=%lld S=%lld D=%lld, %s", (long long) H, (long long) G,
                 (long long) S, (long long) D, b.step);
        jstring msg = fail(env, step, b.status);
        if (newCache) p_destroy_desc(newCache);
        destroyPlan(p);
        return msg;
    }
    jlong res[2] = {(jlong) (size_t) p, (jlong) p->workspace};
    (*env)->SetLongArrayRegion(env, out, 0, 2, res);
    if (newCache) {
        jlong c = (jlong) (size_t) newCache;
        (*env)->SetLongArrayRegion(env, cacheInOut, 0, 1, &c);
    }
    return NULL;
}

JNIEXPORT void JNICALL Java_io_specprefill_cuda_Cudnn_nativeDestroyKernelCache(JNIEnv* env, jclass cls, jlong cache) {
    p_destroy_desc((desc_t) (size_t) cache);
}

JNIEXPORT void JNICALL Java_io_specprefill_cuda_Cudnn_nativeDestroyPlan(JNIEnv* env, jclass cls, jlong plan) {
    destroyPlan((Plan*) (size_t) plan);
}

/* O = causal softmax(Q K^T * scale) V on the handle's stream with the plan's shape. */
JNIEXPORT jstring JNICALL Java_io_specprefill_cuda_Cudnn_nativeSdpaExecute(JNIEnv* env, jclass cls, jlong handle,
        jlong plan, jlong q, jlong k, jlong v, jlong o, jlong workspace, jfloat scaleValue) {
    Plan* p = (Plan*) (size_t) plan;
    float scale = scaleValue;   /* read by cuDNN during cudnnBackendExecute, on this stack frame */
    int64_t uids[6] = {UID_Q, UID_K, UID_V, UID_O, UID_SCALE, UID_NEG_INF};
    void* ptrs[6] = {(void*) (size_t) q, (void*) (size_t) k, (void*) (size_t) v, (void*) (size_t) o, &scale, &negInfValue};
    void* ws = (void*) (size_t) workspace;
    desc_t pack = NULL;
    int st = p_create_desc(VARIANT_PACK_DESC, &pack);
    if (st != 0) return fail(env, "SDPA variant pack", st);
    st = p_set_attr(pack, ATTR_VARIANT_PACK_UNIQUE_IDS, TYPE_INT64, 6, uids);
    if (st == 0) st = p_set_attr(pack, ATTR_VARIANT_PACK_DATA_POINTERS, TYPE_VOID_PTR, 6, ptrs);
    if (st == 0) st = p_set_attr(pack, ATTR_VARIANT_PACK_WORKSPACE, TYPE_VOID_PTR, 1, &ws);
    if (st == 0) st = p_finalize(pack);
    if (st != 0) {
        p_destroy_desc(pack);
        return fail(env, "SDPA variant pack", st);
    }
    st = p_execute((cudnnHandle_t) (size_t) handle, p->plan, pack);
    p_destroy_desc(pack);
    return st == 0 ? NULL : fail(env, "SDPA execute", st);
}
