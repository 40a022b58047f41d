#include "render/term.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

typedef struct range {
	uint32_t first, last;
} range;

/* Combining marks and zero-width characters of the common scripts. */
static const range zero_width[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},   {0x05C1, 0x05C2},
    {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F},   {0x0670, 0x0670},
    {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED},   {0x0900, 0x0902},
    {0x093A, 0x093A}, {0x093C, 0x093C}, {0x0941, 0x0948}, {0x094D, 0x094D},   {0x0E31, 0x0E31},
    {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1160, 0x11FF}, {0x1AB0, 0x1AFF},   {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0x302A, 0x302D},   {0x3099, 0x309A},
    {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0x1F3FB, 0x1F3FF}, {0xE0000, 0xE0FFF},
};

/* East Asian Wide and Fullwidth, and emoji shown as pictographs. */
static const range wide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},   {0x23F0, 0x23F0},
    {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x267F, 0x267F},
    {0x2693, 0x2693},   {0x26A1, 0x26A1},   {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},
    {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},   {0x2728, 0x2728},
    {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
    {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},
    {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18AFF}, {0x1B000, 0x1B2FF},
    {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F202},
    {0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F260, 0x1F265}, {0x1F300, 0x1F64F},
    {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD},
    {0x30000, 0x3FFFD},
};

static bool in_ranges(uint32_t cp, const range *ranges, size_t count)
{
	size_t lo = 0, hi = count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < ranges[mid].first)
			hi = mid;
		else if (cp > ranges[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

int tm_term_char_width(uint32_t cp)
{
	if (cp < 0x300)
		return 1;
	if (in_ranges(cp, zero_width, sizeof zero_width / sizeof zero_width[0]))
		return 0;
	if (in_ranges(cp, wide, sizeof wide / sizeof wide[0]))
		return 2;
	return 1;
}

/* The character at text[0..len) as it will be shown: its code point after
 * sanitising (a line break or a tab is a space, other unsafe characters
 * become U+FFFD). Returns the bytes consumed. */
static size_t shown_char(const char *text, size_t len, uint32_t *cp)
{
	size_t used = tm_utf8_next(text, len, cp);
	if (*cp == '\n' || *cp == '\r' || *cp == '\t')
		*cp = ' ';
	else if (tm_utf8_is_unsafe(*cp))
		*cp = TM_UTF8_REPLACEMENT;
	return used;
}

/* The offset of the colon that would start a workflow command, or
 * SIZE_MAX. */
static size_t command_colon(const char *text, size_t len)
{
	if (!tm_utf8_is_command(text, len))
		return SIZE_MAX;
	return (size_t)(strchr(text, ':') - text);
}

size_t tm_term_width(const char *text)
{
	if (!text)
		return 0;
	size_t len = strlen(text), width = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += shown_char(text + i, len - i, &cp);
		width += (size_t)tm_term_char_width(cp);
	}
	return width;
}

void tm_term_sanitize(tm_buf *out, const char *text)
{
	if (!text)
		return;
	size_t len = strlen(text), colon = command_colon(text, len);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t used = shown_char(text + i, len - i, &cp);
		tm_utf8_put(out, i == colon ? TM_UTF8_REPLACEMENT : cp);
		i += used;
	}
}

size_t tm_term_fit(tm_buf *out, const char *text, size_t max)
{
	size_t total = tm_term_width(text);
	if (total <= max) {
		tm_term_sanitize(out, text);
		return total;
	}
	if (max == 0)
		return 0;
	/* Keep what fits in max - 1 columns, then the ellipsis (one column). */
	size_t len = strlen(text), width = 0, colon = command_colon(text, len);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t used = shown_char(text + i, len - i, &cp);
		if (i == colon)
			cp = TM_UTF8_REPLACEMENT;
		size_t w = (size_t)tm_term_char_width(cp);
		if (width + w > max - 1)
			break;
		tm_utf8_put(out, cp);
		width += w;
		i += used;
	}
	tm_buf_puts(out, "…");
	return width + 1;
}

bool tm_term_color_wanted(bool is_tty, const char *no_color)
{
	return is_tty && (!no_color || !*no_color);
}

bool tm_term_color(FILE *stream)
{
	return tm_term_color_wanted(isatty(fileno(stream)) == 1, getenv("NO_COLOR"));
}

int tm_term_columns(FILE *stream)
{
	int fd = fileno(stream);
	if (fd < 0 || isatty(fd) != 1)
		return 0;
	struct winsize size;
	if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
		return size.ws_col;
	const char *columns = getenv("COLUMNS");
	if (columns) {
		char *end;
		long value = strtol(columns, &end, 10);
		if (*columns && !*end && value > 0 && value < 10000)
			return (int)value;
	}
	return 80;
}
