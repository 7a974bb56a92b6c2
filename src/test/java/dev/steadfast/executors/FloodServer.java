package dev.steadfast.executors;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback server whose every response is a body that never ends (chunked, written as fast as the
 * client takes it) or a Content-Length it never sends; counts the body bytes it managed to write.
 */
final class FloodServer implements AutoCloseable {
  enum Mode {
    ENDLESS_CHUNKED,
    DECLARES_ONE_GIB
  }

  private final ServerSocket socket;
  private final Mode mode;
  private final int status;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();

  FloodServer(Mode mode, int status) throws IOException {
    this.mode = mode;
    this.status = status;
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "flood-server");
    accept.setDaemon(true);
    accept.start();
  }

  String url() {
    return "http://127.0.0.1:" + socket.getLocalPort() + "/flood";
  }

  /** Body bytes written to all clients so far. */
  long written() {
    return written.get();
  }

  long requests() {
    return requests.get();
  }

  private void accept() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        Thread t = new Thread(() -> serve(s), "flood-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      readHead(in);
      requests.incrementAndGet();
      String head =
          "HTTP/1.1 "
              + status
              + " X\r\nContent-Type: application/json\r\n"
              + (mode == Mode.ENDLESS_CHUNKED
                  ? "Transfer-Encoding: chunked\r\n"
                  : "Content-Length: 1073741824\r\n")
              + "\r\n";
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      if (mode == Mode.DECLARES_ONE_GIB) {
        // Sends nothing more: a client that waited for the body would wait for its deadline.
        in.read();
        return;
      }
      byte[] data = "x".repeat(16 * 1024).getBytes(StandardCharsets.US_ASCII);
      byte[] chunkHead =
          (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      byte[] crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
      while (true) {
        out.write(chunkHead);
        out.write(data);
        out.write(crlf);
        written.addAndGet(data.length);
      }
    } catch (IOException e) {
      // the client hung up: what it was meant to do
    }
  }

  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    for (int b = in.read(); b >= 0; b = in.read()) {
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
