/* Runs the fuzz harness on files without libFuzzer, so make test replays
 * the corpus (and every crash kept in it) under any compiler and sanitizer.
 *
 *   fuzz-replay FILE|DIR…    a directory means every regular file in it
 *
 * Each input is copied into a buffer of exactly its size, as libFuzzer does,
 * so a read past the end is caught by ASan or valgrind. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t ninputs;

/* Reads the whole file into a buffer of exactly its size; returns 0 or -1. */
static int replay_file(const char *path)
{
	FILE *file = fopen(path, "rb");
	uint8_t *data = NULL, *exact = NULL;
	size_t len = 0, cap = 0;
	int status = -1;

	if (!file) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			size_t grown = cap ? cap * 2 : 4096;
			uint8_t *bigger = realloc(data, grown);
			if (!bigger)
				goto out;
			data = bigger;
			cap = grown;
		}
		size_t got = fread(data + len, 1, cap - len, file);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(file)) {
		fprintf(stderr, "fuzz-replay: %s: read error\n", path);
		goto out;
	}
	exact = malloc(len ? len : 1);
	if (!exact)
		goto out;
	if (len)
		memcpy(exact, data, len);
	printf("replay %s (%zu bytes)\n", path, len);
	fflush(stdout); /* so a crash report follows the name of its input */
	LLVMFuzzerTestOneInput(exact, len);
	ninputs++;
	status = 0;
out:
	if (status && !ferror(file))
		fprintf(stderr, "fuzz-replay: %s: out of memory\n", path);
	free(exact);
	free(data);
	fclose(file);
	return status;
}

static int only_visible(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

/* Every regular file in the directory, in name order so runs are repeatable. */
static int replay_dir(const char *dir)
{
	struct dirent **entries;
	int count = scandir(dir, &entries, only_visible, alphasort);
	int status = 0;

	if (count < 0) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < count; i++) {
		size_t len = strlen(dir) + strlen(entries[i]->d_name) + 2;
		char *path = malloc(len);
		struct stat st;
		if (!path) {
			status = -1;
		} else {
			snprintf(path, len, "%s/%s", dir, entries[i]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path))
				status = -1;
		}
		free(path);
		free(entries[i]);
	}
	free(entries);
	return status;
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: fuzz-replay FILE|DIR...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "fuzz-replay: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		} else if (S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i])) {
			status = 1;
		}
	}
	printf("fuzz-replay: %zu inputs\n", ninputs);
	return status;
}
