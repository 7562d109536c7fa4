"""Arabic as read in a European alliance: Latin digits, a 24-hour clock, CLDR's Arabic number
symbols for Latin digits ("1,234.5", as the money formatting shows amounts) and Django's Arabic
month names. Meeting notices and the alliance's other languages use 24-hour times; Django's own
Arabic formats (12-hour times with AM/PM, "1.234,5") would make an Arabic reader's page the
only one that differs. Settings not named here come from Django's Arabic formats."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F، Y، H:i"
# Django's Arabic short date, with right-to-left marks that keep day/month/year in that order.
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
