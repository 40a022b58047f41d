#include "base/date.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Howard Hinnant's days_from_civil / civil_from_days. */
int32_t tm_date_from_ymd(int year, int month, int day)
{
	int y = year - (month <= 2);
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (unsigned)((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + (int)doe - 719468);
}

void tm_date_to_ymd(int32_t days, int *year, int *month, int *day)
{
	/* 64-bit so that every int32_t, even INT32_MAX, converts without overflow. */
	long long z = (long long)days + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int y = (int)((long long)yoe + era * 400);
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = y + (*month <= 2);
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

bool tm_date_parse(const char *text, size_t len, int32_t *days)
{
	if (len != 10 || text[4] != '-' || text[7] != '-')
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)text[i]))
			return false;
	int year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
	int month = (text[5] - '0') * 10 + (text[6] - '0');
	int day = (text[8] - '0') * 10 + (text[9] - '0');
	if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
		return false;
	*days = tm_date_from_ymd(year, month, day);
	return true;
}

void tm_date_format(int32_t days, char out[11])
{
	int y, m, d;
	tm_date_to_ymd(days, &y, &m, &d);
	/* Years are four digits in every date the language accepts. */
	out[0] = (char)('0' + (y / 1000) % 10);
	out[1] = (char)('0' + (y / 100) % 10);
	out[2] = (char)('0' + (y / 10) % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

int32_t tm_date_add_months(int32_t days, int months)
{
	if (days == TM_NO_DATE)
		return TM_NO_DATE;
	int y, m, d;
	tm_date_to_ymd(days, &y, &m, &d);
	/* Floor division: a negative total must still give a month in 1..12,
	 * or days_in_month would index outside its table. */
	long long total = (long long)y * 12 + (m - 1) + months;
	long long years = total >= 0 ? total / 12 : -((-total + 11) / 12);
	/* Beyond about five million years the day count leaves int32_t. */
	if (years < -5000000 || years > 5000000)
		return TM_NO_DATE;
	y = (int)years;
	m = (int)(total - years * 12) + 1;
	if (d > days_in_month(y, m))
		d = days_in_month(y, m);
	return tm_date_from_ymd(y, m, d);
}

bool tm_date_today(const char *override, int32_t *days)
{
	if (override)
		return tm_date_parse(override, strlen(override), days);
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	if (epoch && *epoch) {
		char *end;
		errno = 0;
		long long seconds = strtoll(epoch, &end, 10);
		if (errno || *end || seconds < 0 || seconds > 253402300799LL)
			return false;
		*days = (int32_t)(seconds / 86400);
		return true;
	}
	*days = (int32_t)(time(NULL) / 86400);
	return true;
}
