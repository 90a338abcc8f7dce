package pulse.bench.peer;

/**
 * One record of events.raw after validation and enrichment: either the enriched event (its JSON
 * for events.enriched and its facts for the windows), an invalid one (for the dead-letter topic),
 * or a stream-time heartbeat.
 */
public final class EventRecord {
  public final byte[] value;
  public final String error;
  public final Facts facts;
  public final boolean heartbeat;

  private EventRecord(byte[] value, String error, Facts facts, boolean heartbeat) {
    this.value = value;
    this.error = error;
    this.facts = facts;
    this.heartbeat = heartbeat;
  }

  public static EventRecord enriched(byte[] json, Facts facts) {
    return new EventRecord(json, null, facts, false);
  }

  public static EventRecord invalid(byte[] raw, String error) {
    return new EventRecord(raw, error, null, false);
  }

  public static EventRecord heartbeat(byte[] raw) {
    return new EventRecord(raw == null ? new byte[0] : raw, null, null, true);
  }

  public boolean isInvalid() {
    return error != null;
  }
}
