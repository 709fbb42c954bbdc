// SPDX-License-Identifier: AGPL-3.0-only
// native/memory: gives the C heap's free pages back to the system (see
// README.md). glibc keeps the memory freed by the process's threads in its
// arenas and returns it on its own only from the top of each heap;
// malloc_trim(0) also releases the free pages inside every arena.
#include <malloc.h>
#include <node_api.h>
#include <stdlib.h>

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int released;
} trim_job;

static void trim_execute(napi_env env, void *data) {
  (void)env;
  trim_job *job = data;
#ifdef __GLIBC__
  job->released = malloc_trim(0);
#else
  job->released = 0;
#endif
}

static void trim_complete(napi_env env, napi_status status, void *data) {
  trim_job *job = data;
  napi_value result;
  if (status == napi_ok) {
    napi_get_boolean(env, job->released != 0, &result);
    napi_resolve_deferred(env, job->deferred, result);
  } else {
    napi_value message;
    napi_create_string_utf8(env, "malloc_trim did not run", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &result);
    napi_reject_deferred(env, job->deferred, result);
  }
  napi_delete_async_work(env, job->work);
  free(job);
}

// trim() -> Promise<boolean>: runs malloc_trim(0) on a thread of libuv's
// pool (it walks every arena: milliseconds the event loop need not wait);
// true when memory went back to the system.
static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value promise, name;
  trim_job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "akvorado:malloc_trim", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, trim_execute, trim_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    free(job);
    napi_throw_error(env, NULL, "cannot queue malloc_trim");
    return NULL;
  }
  return promise;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  if (napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "trim", fn) != napi_ok) return NULL;
  return exports;
}
