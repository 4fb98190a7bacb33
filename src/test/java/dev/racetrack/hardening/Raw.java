package dev.racetrack.hardening;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plain sockets for what an HTTP client library will not do: send from a chosen loopback
 * address (so that one test can be many clients, 127.0.0.2, 127.0.0.3…), hold thousands
 * of connections, never read, or send a request one byte at a time.
 */
final class Raw {

	private Raw() {
	}

	/** A connection from {@code local} (an address in 127.0.0.0/8) to the server. */
	static Socket connect(ServerProcess server, String local) throws IOException {
		Socket socket = new Socket();
		socket.bind(new InetSocketAddress(local, 0));
		socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
		return socket;
	}

	/** The {@code n}th client address: 127.0.{1+n/250}.{2+n%250}. */
	static String client(int n) {
		return "127.0." + (1 + n / 250) + "." + (2 + n % 250);
	}

	/** A whole request on a connection of its own; the status and the body. */
	static Response exchange(ServerProcess server, String local, String method, String path, String contentType,
			String body, String... headers) throws IOException {
		try (Socket socket = connect(server, local)) {
			socket.setSoTimeout(30_000);
			send(socket, method, path, contentType, body, headers);
			return read(socket.getInputStream());
		}
	}

	static void send(Socket socket, String method, String path, String contentType, String body, String... headers)
			throws IOException {
		byte[] content = (body == null) ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
		StringBuilder sb = new StringBuilder();
		sb.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
		if (contentType != null) {
			sb.append("Content-Type: ").append(contentType).append("\r\n");
		}
		if (body != null) {
			sb.append("Content-Length: ").append(content.length).append("\r\n");
		}
		for (String h : headers) {
			sb.append(h).append("\r\n");
		}
		sb.append("\r\n");
		OutputStream out = socket.getOutputStream();
		out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
		out.write(content);
		out.flush();
	}

	/** The status and headers, and the body up to the end of the connection. */
	static Response read(InputStream in) throws IOException {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		in.transferTo(all);
		String text = all.toString(StandardCharsets.UTF_8);
		int status = status(text);
		int split = text.indexOf("\r\n\r\n");
		return new Response(status, (split < 0) ? text : text.substring(0, split),
				(split < 0) ? "" : text.substring(split + 4));
	}

	/** The status of a response's first line, or -1. */
	static int status(String text) {
		if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) {
			return -1;
		}
		return Integer.parseInt(text.substring(9, 12));
	}

	/** Reads the status line and headers only (a stream stays open). */
	static String head(Socket socket, int timeoutMillis) throws IOException {
		socket.setSoTimeout(timeoutMillis);
		InputStream in = socket.getInputStream();
		ByteArrayOutputStream buf = new ByteArrayOutputStream();
		int matched = 0;
		byte[] end = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
		while (matched < 4) {
			int b = in.read();
			if (b < 0) {
				break;
			}
			buf.write(b);
			matched = (b == end[matched]) ? matched + 1 : ((b == end[0]) ? 1 : 0);
		}
		return buf.toString(StandardCharsets.ISO_8859_1);
	}

	/**
	 * Whether the server closed the connection within {@code timeoutMillis}: reads (and
	 * drops) what is buffered until the end of the stream.
	 */
	static boolean closedByServer(Socket socket, long timeoutMillis) throws IOException {
		long deadline = System.currentTimeMillis() + timeoutMillis;
		InputStream in = socket.getInputStream();
		byte[] buf = new byte[65536];
		while (System.currentTimeMillis() < deadline) {
			socket.setSoTimeout((int) Math.max(1, Math.min(500, deadline - System.currentTimeMillis())));
			try {
				if (in.read(buf) < 0) {
					return true;
				}
			}
			catch (SocketTimeoutException ex) {
				// still open
			}
			catch (IOException ex) {
				return true;
			}
		}
		return false;
	}

	record Response(int status, String headers, String body) {
	}

	/**
	 * Many event streams read by one thread: opens each with a GET, reads whatever comes,
	 * and counts the events by name across all of them.
	 */
	static final class Streams implements AutoCloseable {

		private final Selector selector = Selector.open();

		private final List<SocketChannel> channels = new ArrayList<>();

		private final AtomicLong events = new AtomicLong();

		private final AtomicLong named = new AtomicLong();

		private final AtomicLong ok = new AtomicLong();

		private final AtomicLong refused = new AtomicLong();

		private final AtomicLong unanswered = new AtomicLong();

		private final String name;

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final Thread thread;

		private final java.util.Queue<Runnable> pending = new java.util.concurrent.ConcurrentLinkedQueue<>();

		/** Counts every event, and those called {@code name} apart. */
		Streams(String name) throws IOException {
			this.name = "event:" + name + "\n";
			this.thread = new Thread(this::loop, "streams");
			this.thread.setDaemon(true);
			this.thread.start();
		}

		/** Opens one more stream from {@code local}; returns its channel. */
		SocketChannel open(ServerProcess server, String local, String path) throws IOException {
			SocketChannel ch = SocketChannel.open();
			ch.bind(new InetSocketAddress(local, 0));
			ch.connect(new InetSocketAddress("127.0.0.1", server.port()));
			try {
				ch.write(ByteBuffer
					.wrap(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
						.getBytes(StandardCharsets.ISO_8859_1)));
			}
			catch (IOException ex) {
				// closed by the server as it was accepted
				this.unanswered.incrementAndGet();
				ch.close();
				return ch;
			}
			ch.configureBlocking(false);
			synchronized (this.channels) {
				this.channels.add(ch);
			}
			this.pending.add(() -> {
				try {
					ch.register(this.selector, SelectionKey.OP_READ, new State());
				}
				catch (IOException ex) {
					// closed already
				}
			});
			this.selector.wakeup();
			return ch;
		}

		void close(SocketChannel ch) throws IOException {
			synchronized (this.channels) {
				this.channels.remove(ch);
			}
			ch.close();
		}

		List<SocketChannel> channels() {
			synchronized (this.channels) {
				return List.copyOf(this.channels);
			}
		}

		long events() {
			return this.events.get();
		}

		long named() {
			return this.named.get();
		}

		/** Streams that answered 200 so far. */
		long ok() {
			return this.ok.get();
		}

		/** Streams that answered anything else. */
		long refused() {
			return this.refused.get();
		}

		/** Streams whose connection the server closed before any answer. */
		long unanswered() {
			return this.unanswered.get();
		}

		/** Streams that are settled: answered, or closed unanswered. */
		long settled() {
			return ok() + refused() + unanswered();
		}

		private static final class State {

			boolean headDone;

			String carry = "";

		}

		private void loop() {
			ByteBuffer buf = ByteBuffer.allocate(1 << 16);
			while (this.running.get()) {
				try {
					Runnable r;
					while ((r = this.pending.poll()) != null) {
						r.run();
					}
					this.selector.select(100);
					Iterator<SelectionKey> keys = this.selector.selectedKeys().iterator();
					while (keys.hasNext()) {
						SelectionKey key = keys.next();
						keys.remove();
						SocketChannel ch = (SocketChannel) key.channel();
						State state = (State) key.attachment();
						buf.clear();
						int n;
						try {
							n = ch.read(buf);
						}
						catch (IOException ex) {
							n = -1;
						}
						if (n < 0) {
							if (!state.headDone) {
								this.unanswered.incrementAndGet();
							}
							key.cancel();
							ch.close();
							continue;
						}
						String text = state.carry + new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1);
						if (!state.headDone && text.startsWith("HTTP/1.1 ")) {
							state.headDone = true;
							(text.startsWith("HTTP/1.1 200") ? this.ok : this.refused).incrementAndGet();
						}
						this.events.addAndGet(count(text, "\nevent:") - count(state.carry, "\nevent:"));
						this.named.addAndGet(count(text, "\n" + this.name) - count(state.carry, "\n" + this.name));
						state.carry = text.substring(Math.max(0, text.length() - 40));
					}
				}
				catch (IOException | java.nio.channels.ClosedSelectorException ex) {
					return;
				}
			}
		}

		private static long count(String text, String what) {
			long c = 0;
			for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
				c++;
			}
			return c;
		}

		@Override
		public void close() throws Exception {
			this.running.set(false);
			this.selector.wakeup();
			this.thread.join(5000);
			for (SocketChannel ch : channels()) {
				ch.close();
			}
			this.selector.close();
		}

	}

}
