package dev.steadfast.executors;

/** Byte counts as people read them in messages and help: 768 KiB, 64 MiB, 1000 bytes. */
public final class Sizes {
  private Sizes() {}

  public static String format(long bytes) {
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
      return bytes / (1024 * 1024) + " MiB";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return bytes / 1024 + " KiB";
    }
    return bytes + " bytes";
  }
}
