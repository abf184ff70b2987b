/*
 * Opening a vendor library at run time, shared by the JNI bridges (spcublas.c: cuBLAS and cuBLASLt;
 * spcudnn.c: cuDNN): the first of a list of candidate names or paths that dlopen()s and whose symbols
 * all resolve wins; the others are closed again, and why each failed goes into one report.
 */
#pragma once
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* dlsym, noting the first missing symbol in err (left as it is once set). */
static void* sp_sym(void* h, const char* name, char* err, size_t errLen) {
    void* p = dlsym(h, name);
    if (!p && strlen(err) == 0) snprintf(err, errLen, "symbol %s not found", name);
    return p;
}

/* Resolves a library's symbols into the bridge's pointers; leaves err empty when h will do. */
typedef void (*sp_bind_fn)(void* h, char* err, size_t errLen);

/*
 * candidates: ':'-separated names or paths, tried in order. Returns the first handle that bind accepts
 * and copies its name into name; NULL when none does, with report saying why for each candidate.
 */
static void* sp_open_first(const char* candidates, sp_bind_fn bind, char* name, size_t nameLen, char* report,
                           size_t reportLen) {
    char* list = strdup(candidates);
    report[0] = '\0';
    for (char* c = strtok(list, ":"); c; c = strtok(NULL, ":")) {
        void* h = dlopen(c, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            size_t used = strlen(report);
            snprintf(report + used, reportLen - used, "%s%s", used ? "; " : "", dlerror());
            continue;
        }
        char err[256] = "";
        bind(h, err, sizeof err);
        if (strlen(err) > 0) {
            size_t used = strlen(report);
            snprintf(report + used, reportLen - used, "%s%s: %s", used ? "; " : "", c, err);
            dlclose(h);
            continue;
        }
        snprintf(name, nameLen, "%s", c);
        free(list);
        return h;
    }
    free(list);
    return NULL;
}
