// Numbers and times for people: the browser's locale through Intl.

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const milliseconds = new Intl.NumberFormat(undefined, {
  style: 'unit', unit: 'millisecond', unitDisplay: 'short', maximumFractionDigits: 0,
});
const seconds = new Intl.NumberFormat(undefined, {
  style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: 2,
});
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const shortDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });
const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayHourLabel = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
});
const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const moneyFormats = new Map();

export function formatInteger(n) {
  return integer.format(Number(n) || 0);
}

/**
 * An amount of money from the API (a decimal string). Amounts under one unit keep up to six
 * decimals, because a single chat costs fractions of a cent; null means unknown, never zero.
 */
export function formatMoney(amount, currency) {
  if (amount === null || amount === undefined || amount === '') {
    return '—';
  }
  const value = Number(amount);
  const small = value !== 0 && Math.abs(value) < 1;
  const key = `${currency || 'USD'}|${small}`;
  if (!moneyFormats.has(key)) {
    moneyFormats.set(key, new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency: currency || 'USD',
      minimumFractionDigits: 2,
      maximumFractionDigits: small ? 6 : 2,
    }));
  }
  return moneyFormats.get(key).format(value);
}

export function formatPercent(ratio) {
  return percent.format(ratio);
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined) {
    return '—';
  }
  return ms < 1000 ? milliseconds.format(ms) : seconds.format(ms / 1000);
}

export function formatDateTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

export function formatShortDateTime(iso) {
  return iso ? shortDateTime.format(new Date(iso)) : '—';
}

/** The label of a bucket on a time axis. */
export function formatBucket(ms, window, spansDays) {
  const date = new Date(ms);
  if (window === 'day') {
    return dayLabel.format(date);
  }
  return spansDays ? dayHourLabel.format(date) : hourLabel.format(date);
}
