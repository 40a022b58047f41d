#include "base/utf8.h"

size_t tm_utf8_next(const char *text, size_t len, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)text;
	*cp = TM_UTF8_REPLACEMENT;
	if (len == 0)
		return 0;
	unsigned char lead = s[0];
	if (lead < 0x80) {
		*cp = lead;
		return 1;
	}
	size_t need;
	uint32_t value;
	/* The bounds of the second byte rule out overlong forms, surrogates
	 * and code points beyond U+10FFFF (RFC 3629's table). */
	unsigned char lo = 0x80, hi = 0xBF;
	if (lead >= 0xC2 && lead <= 0xDF) {
		need = 1;
		value = lead & 0x1F;
	} else if (lead >= 0xE0 && lead <= 0xEF) {
		need = 2;
		value = lead & 0x0F;
		if (lead == 0xE0)
			lo = 0xA0;
		else if (lead == 0xED)
			hi = 0x9F;
	} else if (lead >= 0xF0 && lead <= 0xF4) {
		need = 3;
		value = lead & 0x07;
		if (lead == 0xF0)
			lo = 0x90;
		else if (lead == 0xF4)
			hi = 0x8F;
	} else {
		return 1;
	}
	for (size_t i = 1; i <= need; i++) {
		if (i >= len)
			return i;
		unsigned char c = s[i];
		if (c < lo || c > hi)
			return i;
		lo = 0x80;
		hi = 0xBF;
		value = (value << 6) | (c & 0x3F);
	}
	*cp = value;
	return need + 1;
}

void tm_utf8_put(tm_buf *out, uint32_t cp)
{
	char bytes[4];
	size_t n;
	if (cp < 0x80) {
		bytes[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		bytes[0] = (char)(0xC0 | (cp >> 6));
		bytes[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		bytes[0] = (char)(0xE0 | (cp >> 12));
		bytes[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		bytes[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		bytes[0] = (char)(0xF0 | (cp >> 18));
		bytes[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		bytes[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		bytes[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	tm_buf_put(out, bytes, n);
}

bool tm_utf8_is_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

bool tm_utf8_is_command(const char *text, size_t len)
{
	size_t i = 0;
	while (i < len && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r')))
		i++;
	return i + 1 < len && text[i] == ':' && text[i + 1] == ':';
}

void tm_utf8_sanitize(tm_buf *out, const char *text, size_t len, bool keep_tabs, bool at_line_start)
{
	size_t i = 0;
	if (at_line_start && tm_utf8_is_command(text, len)) {
		for (; text[i] != ':'; i++) {
			if (text[i] == ' ' || (text[i] == '\t' && keep_tabs))
				tm_buf_putc(out, text[i]);
			else
				tm_utf8_put(out, TM_UTF8_REPLACEMENT);
		}
		tm_utf8_put(out, TM_UTF8_REPLACEMENT);
		i++;
	}
	while (i < len) {
		/* runs of printable ASCII go as they are */
		size_t plain = i;
		while (plain < len && (unsigned char)text[plain] >= 0x20 && (unsigned char)text[plain] < 0x7F)
			plain++;
		if (plain > i) {
			tm_buf_put(out, text + i, plain - i);
			i = plain;
			continue;
		}
		uint32_t cp;
		i += tm_utf8_next(text + i, len - i, &cp);
		if (cp == '\t' && keep_tabs)
			tm_buf_putc(out, '\t');
		else
			tm_utf8_put(out, tm_utf8_is_unsafe(cp) ? TM_UTF8_REPLACEMENT : cp);
	}
}
