/*
 * json.h: JSON string literals, for farolctl try and other JSON output.
 *
 * Pure: no I/O, no globals, no allocation.
 */
#ifndef FAROL_JSON_H
#define FAROL_JSON_H

#include <stddef.h>

/*
 * Write s (len bytes of UTF-8) as a JSON string literal, quotes included,
 * into out, NUL-terminated and cut if outsz is too small. Escapes '"', '\\'
 * and control characters; bytes that are not valid UTF-8 become U+FFFD,
 * so the output is always valid JSON. Returns the length the whole literal
 * needs (without the NUL), like snprintf: at most 6 * len + 2.
 */
size_t json_escape(char *out, size_t outsz, const char *s, size_t len);

#endif
