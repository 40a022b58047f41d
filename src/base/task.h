/* A piece of work run on a thread of its own while the caller goes on
 * (the rule engines, sorting during phase 2, the text writer's runs of
 * rows). When no thread can be started, the work runs at once on the
 * caller's thread instead: slower, never wrong. */
#ifndef TM_BASE_TASK_H
#define TM_BASE_TASK_H

#include <pthread.h>
#include <stdbool.h>

typedef struct tm_task {
	void (*run)(void *arg);
	void *arg;
	pthread_t thread;
	bool started; /* on a thread of its own (else it has already run) */
} tm_task;

/* Starts run(arg). The task's memory must stay put until tm_task_wait. */
void tm_task_start(tm_task *task, void (*run)(void *arg), void *arg);
/* Returns once run(arg) has returned. */
void tm_task_wait(tm_task *task);

#endif
