package io.packyard.server.routes;

import io.packyard.server.http.Responses;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Rendered project pages of hosted indexes, keyed by index, project and format, valid while the
 * project's change stamp (see {@code FileDao.touchProject}) is unchanged. The stamp is re-read at
 * most once a second per page; changes made through this server (uploads, yank, delete) invalidate
 * at once, changes made by another node sharing the database show within that second.
 */
public final class PageCache {

    private static final long RECHECK_NANOS = 1_000_000_000L;
    private static final int LIMIT = 4096;

    private record Entry(long stamp, long checkedAt, Responses.Page page) {}

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    private static String key(long indexId, String project, Object format) {
        return indexId + "/" + project + "/" + format;
    }

    /**
     * The cached page, or a fresh rendering when the stamp moved. Pages without a stamp (mirrors,
     * groups, unknown projects) are rendered every time.
     */
    Responses.Page get(long indexId, String project, Object format, Supplier<Optional<Long>> stamp,
            Supplier<Responses.Page> render) {
        String k = key(indexId, project, format);
        long now = System.nanoTime();
        Entry e = entries.get(k);
        if (e != null && now - e.checkedAt < RECHECK_NANOS) {
            return e.page;
        }
        Optional<Long> s = stamp.get();
        if (s.isEmpty()) {
            entries.remove(k);
            return render.get();
        }
        if (e != null && e.stamp == s.get()) {
            entries.put(k, new Entry(e.stamp, now, e.page));
            return e.page;
        }
        Responses.Page page = render.get();
        if (entries.size() >= LIMIT) {
            entries.clear();
        }
        entries.put(k, new Entry(s.get(), now, page));
        return page;
    }

    /**
     * The cached page when its stamp was checked less than a second ago (no database access), or
     * null: the page must then go through {@link #get} (the routed path).
     */
    Responses.Page fresh(long indexId, String project, Object format) {
        Entry e = entries.get(key(indexId, project, format));
        return e != null && System.nanoTime() - e.checkedAt < RECHECK_NANOS ? e.page : null;
    }

    /** Forgets every format of a project's page (after an upload, yank or delete through this server). */
    void invalidate(long indexId, String project) {
        String prefix = indexId + "/" + project + "/";
        entries.keySet().removeIf(k -> k.startsWith(prefix));
    }
}
