/*
 * fuzz.h: what every fuzz target in this folder provides.
 *
 * With libFuzzer (-fsanitize=fuzzer) the engine calls it; without, the
 * replay main in replay.c feeds it each file of the checked-in corpus.
 */
#ifndef FAROL_FUZZ_H
#define FAROL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message: a broken invariant is a crash for the fuzzer. */
void fuzz_fail(const char *what) __attribute__((noreturn));

#endif
