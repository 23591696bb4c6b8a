import java.time.*; import java.time.format.*; import java.time.zone.*; import java.util.*;
// Prints, per zone id, the names Java's DateTimeFormatter writes for 'z' and 'zzzz' (Locale.US) in
// standard and in daylight time, and the zone each name parses to with pattern 'z' / 'zzzz'.
public class Names {
  public static void main(String[] a) {
    DateTimeFormatter s = DateTimeFormatter.ofPattern("z", Locale.US), l = DateTimeFormatter.ofPattern("zzzz", Locale.US);
    TreeSet<String> ids = new TreeSet<>(ZoneId.getAvailableZoneIds());
    TreeMap<String, String> names = new TreeMap<>();
    for (String id : ids) {
      ZoneId z = ZoneId.of(id); ZoneRules r = z.getRules();
      Instant std = Instant.parse("2021-01-15T12:00:00Z"), dst = null;
      if (r.isDaylightSavings(std)) { Instant t = Instant.parse("2021-07-15T12:00:00Z"); if (!r.isDaylightSavings(t)) std = t; else std = null; }
      // a daylight instant: the latest one before 2030
      for (ZoneOffsetTransition tr : r.getTransitions()) if (r.isDaylightSavings(tr.getInstant().plusSeconds(60))) dst = tr.getInstant().plusSeconds(60);
      Instant later = Instant.parse("2021-07-15T12:00:00Z"); if (r.isDaylightSavings(later)) dst = later; else if (r.isDaylightSavings(Instant.parse("2021-01-15T12:00:00Z"))) dst = Instant.parse("2021-01-15T12:00:00Z");
      if (std == null) { for (ZoneOffsetTransition tr : r.getTransitions()) if (!r.isDaylightSavings(tr.getInstant().plusSeconds(60))) std = tr.getInstant().plusSeconds(60); }
      String ss = std == null ? "" : s.format(std.atZone(z)), ls = std == null ? "" : l.format(std.atZone(z));
      String sd = dst == null ? "" : s.format(dst.atZone(z)), ld = dst == null ? "" : l.format(dst.atZone(z));
      System.out.println("N\t" + id + "\t" + ss + "\t" + sd + "\t" + ls + "\t" + ld);
      for (String n : new String[] { ss, sd, ls, ld }) if (!n.isEmpty()) names.put(n, "");
    }
    // every name DateFormatSymbols knows too (generic ones among them)
    for (String[] row : java.text.DateFormatSymbols.getInstance(Locale.US).getZoneStrings()) for (int i = 1; i < row.length; i++) if (row[i] != null && !row[i].isEmpty()) names.put(row[i], "");
    DateTimeFormatter ps = new DateTimeFormatterBuilder().parseCaseInsensitive().appendPattern("z").toFormatter(Locale.US);
    DateTimeFormatter pl = new DateTimeFormatterBuilder().parseCaseInsensitive().appendPattern("zzzz").toFormatter(Locale.US);
    for (String n : names.keySet()) {
      String rs, rl;
      try { rs = ps.parse(n).query(java.time.temporal.TemporalQueries.zoneId()).getId(); } catch (Exception e) { rs = ""; }
      try { rl = pl.parse(n).query(java.time.temporal.TemporalQueries.zoneId()).getId(); } catch (Exception e) { rl = ""; }
      System.out.println("P\t" + n + "\t" + rs + "\t" + rl);
    }
  }
}
