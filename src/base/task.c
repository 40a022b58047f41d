#include "base/task.h"

static void *trampoline(void *arg)
{
	tm_task *task = arg;
	task->run(task->arg);
	return NULL;
}

void tm_task_start(tm_task *task, void (*run)(void *arg), void *arg)
{
	task->run = run;
	task->arg = arg;
	task->started = pthread_create(&task->thread, NULL, trampoline, task) == 0;
	if (!task->started)
		run(arg);
}

void tm_task_wait(tm_task *task)
{
	if (task->started)
		pthread_join(task->thread, NULL);
	task->started = false;
}
