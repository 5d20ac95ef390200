package io.packyard.server.routes;

import io.packyard.python.names.ProjectName;
import io.packyard.repository.Repository;
import io.packyard.repository.index.IndexConfig;
import io.packyard.server.http.Negotiation;
import io.packyard.server.http.Responses;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The hot path of an index server: {@code GET /<index>/simple/<project>/} of a public hosted
 * index whose page {@link PageCache} holds and checked less than a second ago is answered here,
 * in Jetty, before Javalin's routing and the servlet layer. Everything else — a page not cached
 * or due for its check, a private index, a token, a query, a name to redirect, a format to refuse —
 * goes on to the routes unchanged ({@link SimpleRoutes}), which also fill the cache. The answer
 * is the same: {@link Responses.PageReply} decides 200/304/gzip for both, the headers are
 * {@link SimpleRoutes}' and the request is counted and logged through {@link Hooks}.
 */
public final class FastPages extends Handler.Wrapper {

    /** What the server does around every request (in-flight count, the request log). */
    public interface Hooks {
        /** False when the server is stopping (the routed path then answers 503). */
        boolean enter();

        void exit(String remote, String method, String path, int status, long bytes, long startNanos, String userAgent);
    }

    private final Repository repo;
    private final PageCache cache;
    private final Hooks hooks;
    private final AtomicLong hits = new AtomicLong();

    public FastPages(Repository repo, PageCache cache, Hooks hooks) {
        this.repo = repo;
        this.cache = cache;
        this.hooks = hooks;
    }

    /** Requests answered here so far. */
    public long hits() {
        return hits.get();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long start = System.nanoTime();
        String method = request.getMethod();
        boolean head = method.equals("HEAD");
        if (!head && !method.equals("GET")) {
            return super.handle(request, response, callback);
        }
        String path = Request.getPathInContext(request);
        Hit hit = lookup(request, path);
        if (hit == null || !hooks.enter()) {
            return super.handle(request, response, callback);
        }
        var headers = request.getHeaders();
        Responses.PageReply reply = Responses.PageReply.of(hit.page, headers.get(HttpHeader.ACCEPT_ENCODING),
                headers.get(HttpHeader.IF_NONE_MATCH));
        var out = response.getHeaders();
        out.put(HttpHeader.ETAG, reply.etag());
        out.put(HttpHeader.CACHE_CONTROL, SimpleRoutes.cacheControl(hit.index));
        out.put(HttpHeader.VARY, SimpleRoutes.VARY);
        ByteBuffer body = null;
        long bytes = 0;
        if (reply.status() == 200) {
            // as the servlet layer writes it for the routed path: "type;charset=x"
            out.put(HttpHeader.CONTENT_TYPE, hit.page.contentType().replace("; charset=", ";charset="));
            if (reply.gzip()) {
                out.put(HttpHeader.CONTENT_ENCODING, "gzip");
            }
            out.put(HttpHeader.CONTENT_LENGTH, reply.body().remaining());
            bytes = reply.body().remaining();
            body = head ? null : reply.body();
        }
        response.setStatus(reply.status());
        hits.incrementAndGet();
        long sent = bytes;
        String remote = Request.getRemoteAddr(request);
        String ua = headers.get(HttpHeader.USER_AGENT);
        response.write(true, body, Callback.from(callback,
                () -> hooks.exit(remote, method, path, reply.status(), sent, start, ua)));
        return true;
    }

    private record Hit(IndexConfig index, Responses.Page page) {}

    /** The cached page this request may be answered with here, or null. */
    private Hit lookup(Request request, String path) {
        if (request.getHttpURI().getQuery() != null || path.indexOf('%') >= 0
                || request.getHeaders().contains(HttpHeader.AUTHORIZATION)) {
            return null;
        }
        // /<index>/simple/<project>/
        int a = path.indexOf('/', 1);
        if (a < 0 || !path.startsWith("/simple/", a)) {
            return null;
        }
        int b = a + "/simple/".length();
        int c = path.indexOf('/', b);
        if (c != path.length() - 1 || c == b) {
            return null;
        }
        String project = path.substring(b, c);
        if (!ProjectName.isValid(project) || !ProjectName.normalize(project).equals(project)) {
            return null;
        }
        Optional<IndexConfig> index = repo.indexes().find(path.substring(1, a));
        if (index.isEmpty() || index.get().privateRead() || !index.get().isHosted()) {
            return null;
        }
        Optional<Negotiation.Format> format = Negotiation.choose(request.getHeaders().get(HttpHeader.ACCEPT));
        if (format.isEmpty()) {
            return null;
        }
        Responses.Page page = cache.fresh(index.get().id(), project, format.get());
        return page == null ? null : new Hit(index.get(), page);
    }
}
