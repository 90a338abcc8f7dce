package pulse.bench.peer;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Exact minor units, as @pulse/contracts' money functions compute them. */
public final class Money {
  private static final ConcurrentHashMap<String, Integer> DIGITS = new ConcurrentHashMap<>();
  private static final Set<Currency> IN_USE = Currency.getAvailableCurrencies();

  private Money() {}

  /** An ISO 4217 code of a currency in use (upper-cased), or null. */
  public static String currency(String raw) {
    if (raw == null) return null;
    String code = raw.trim().toUpperCase(Locale.ROOT);
    if (!code.matches("[A-Z]{3}")) return null;
    try {
      return IN_USE.contains(Currency.getInstance(code)) ? code : null;
    } catch (IllegalArgumentException unknown) {
      return null;
    }
  }

  public static int digits(String currency) {
    return DIGITS.computeIfAbsent(
        currency, code -> Math.max(0, Currency.getInstance(code).getDefaultFractionDigits()));
  }

  /** round(amount × 10^d), half away from zero, nudged by a relative epsilon like Pulse's. */
  public static long toMinor(double amount, String currency) {
    double scaled = amount * Math.pow(10, digits(currency));
    return (long) Math.signum(scaled) * Math.round(Math.abs(scaled) * (1 + Math.ulp(1.0)));
  }

  /** Minor units as the major-unit number, printed the way JavaScript prints it (1999 → 19.99). */
  public static String toMajor(long minor, String currency) {
    BigDecimal value = BigDecimal.valueOf(minor).movePointLeft(digits(currency)).stripTrailingZeros();
    return value.signum() == 0 ? "0" : value.toPlainString();
  }
}
