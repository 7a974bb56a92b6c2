package dev.steadfast.local;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One `steadfast run` at a time per state dir: the tasks of a state dir share its breakers and
 * cache, and each run rewrites them whole, so two runs would lose each other's writes. The lock is
 * the operating system's ({@link FileChannel#tryLock}), so it goes with the process: a killed run
 * leaves nothing to clean up. The file is {@code DIR/.lock}, a name no task can have (a DNS-1123
 * name does not start with a dot).
 */
public final class StateDirLock implements AutoCloseable {
  static final String FILE = ".lock";

  private final FileChannel channel;
  private final FileLock lock;

  private StateDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code stateDir} (which must exist).
   *
   * @throws RunFiles.UnusableException when another run holds it or the file cannot be opened
   */
  public static StateDirLock acquire(Path stateDir) throws RunFiles.UnusableException {
    Path file = stateDir.resolve(FILE);
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new RunFiles.UnusableException(
          "--state-dir " + stateDir + ": cannot open the lock file " + file + ": " + e);
    }
    FileLock lock = null;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this very process
    } catch (IOException e) {
      close(channel);
      throw new RunFiles.UnusableException(
          "--state-dir " + stateDir + ": cannot lock " + file + ": " + e.getMessage());
    }
    if (lock == null) {
      close(channel);
      throw new RunFiles.UnusableException(
          "--state-dir "
              + stateDir
              + " is in use by another `steadfast run` (it holds "
              + file
              + "); wait for it to end or use another --state-dir");
    }
    return new StateDirLock(channel, lock);
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel releases it too
    }
    close(channel);
  }

  private static void close(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing held any more
    }
  }
}
