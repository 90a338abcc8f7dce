package pulse.bench.peer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Country → region, read from a file the bench writes from Pulse's own mapping
 * (`regionForCountry` of @pulse/contracts over its country list), so the peer cannot drift from
 * enrichment's geo table.
 */
public final class Regions {
  public static final String UNKNOWN = "unknown";
  private final Map<String, String> byCountry;

  public Regions(Map<String, String> byCountry) {
    this.byCountry = Map.copyOf(byCountry);
  }

  public static Regions load(Path file) throws IOException {
    Map<String, String> map =
        new ObjectMapper().readValue(Files.readAllBytes(file), new TypeReference<Map<String, String>>() {});
    if (map.isEmpty()) throw new IOException(file + " holds no countries");
    return new Regions(map);
  }

  /** The region of an ISO 3166-1 alpha-2 code; `unknown` for anything it does not know. */
  public String of(String country) {
    if (country == null) return UNKNOWN;
    String region = byCountry.get(country);
    if (region == null) region = byCountry.get(country.trim().toUpperCase(Locale.ROOT));
    return region == null ? UNKNOWN : region;
  }
}
