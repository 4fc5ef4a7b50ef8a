package io.memflow.operators.retrieval;

import io.memflow.operators.embedding.StoredVectors;
import io.memflow.operators.embedding.Vectors;
import io.memflow.operators.text.MemoryText;
import io.memflow.operators.text.Text;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.serving.embedding.TextEmbedder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import javax.annotation.Nullable;

/**
 * One user's rankable memories (ACTIVE and SUPERSEDED) prepared for {@link Retriever}: each text
 * tokenised once into term counts and BM25 postings, each stored int8 embedding kept as bytes, side
 * by side in one array, for an exact integer dot product without dequantising ({@link
 * io.memflow.operators.embedding.Int8Dot}). {@code serve} keeps one per user and updates it as
 * changes arrive, so a search costs a lookup of the question's terms plus one pass over the
 * vectors; the job builds a throwaway one per query ({@link Retriever#retrieve(String, long, List,
 * List, int)}), so both rank through the same code.
 *
 * <p>Thread-safety: any number of readers ({@link Retriever#retrieve(String, long, MemoryIndex,
 * int)}) and one writer ({@link #put}, {@link #remove}) under a read-write lock. Entries live in
 * slots that are reused after a removal; the ranking never depends on slot order (ties are broken
 * by memory id).
 */
public final class MemoryIndex {
    /** A memory prepared for ranking. */
    static final class Entry {
        final MemoryRecord record;
        final String id;
        final long eventTime;
        final String[] terms; // distinct terms of the dated text
        final int[] tf; // count of terms[i]
        final int length; // all terms, repeats included
        @Nullable byte[] int8; // stored embedding until the index copies it into its vectors
        final float scale;
        boolean hasVector; // its int8 embedding sits in the index's vectors at slot * dimension

        Entry(MemoryRecord r, @Nullable String model) {
            this.record = r;
            this.id = r.getMemoryId();
            this.eventTime = r.getEventTime().toEpochMilli();
            // what was said: the speaker label is the SPEAKER vote's, the date the time filter's
            List<String> all = Text.terms(MemoryText.statement(r));
            Map<String, Integer> counts = new java.util.LinkedHashMap<>();
            for (String t : all) {
                counts.merge(t, 1, Integer::sum);
            }
            this.terms = new String[counts.size()];
            this.tf = new int[counts.size()];
            int i = 0;
            for (var e : counts.entrySet()) {
                terms[i] = e.getKey();
                tf[i++] = e.getValue();
            }
            this.length = all.size();
            ByteBuffer b = r.getEmbedding();
            if (model != null && model.equals(StoredVectors.modelOf(r))) {
                ByteBuffer d = b.duplicate();
                this.int8 = new byte[d.remaining()];
                d.get(int8);
                this.scale = r.getEmbeddingScale();
            } else {
                this.int8 = null;
                this.scale = 0;
            }
        }
    }

    /** The slots holding memories whose text contains a term, with the term's count in each. */
    static final class Postings {
        int[] slots = new int[4];
        int[] tf = new int[4];
        int size;

        void add(int slot, int count) {
            if (size == slots.length) {
                slots = Arrays.copyOf(slots, size * 2);
                tf = Arrays.copyOf(tf, size * 2);
            }
            slots[size] = slot;
            tf[size++] = count;
        }

        void remove(int slot) {
            for (int i = size - 1; i >= 0; i--) {
                if (slots[i] == slot) {
                    size--;
                    slots[i] = slots[size];
                    tf[i] = tf[size];
                    return;
                }
            }
        }
    }

    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    /**
     * Model of the vectors this index keeps (the retriever's); a vector of any other model is left
     * out, and its memory is embedded per query like one without a vector.
     */
    @Nullable private final String model;

    /** An index keeping vectors of {@code model} (null: none, BM25 only). */
    public MemoryIndex(@Nullable String model) {
        this.model = model;
    }

    Entry[] slots = new Entry[8];

    /**
     * Every stored int8 embedding, one after the other by slot ({@code dimension} bytes each), so
     * the dense pass reads memory in order; {@code scales[slot]} maps the bytes back to floats.
     */
    byte[] vectors = new byte[0];

    float[] scales = new float[8];

    /** By slot, the memory's event time (the time filter reads it without touching entries). */
    long[] eventTimes = new long[8];

    int dimension; // of the first embedding seen; others are embedded per query like missing ones

    private int used; // slots[0, used) have been handed out
    private int[] free = new int[8];
    private int freeCount;
    private final Map<String, Integer> slotOf = new HashMap<>();
    final Map<String, Postings> postings = new HashMap<>();
    private long totalLength;
    private int missing; // live entries without a vector

    /**
     * For each subject, the slot of its ACTIVE memory with the newest validFrom; rebuilt lazily.
     */
    @Nullable private volatile Map<String, Integer> activeBySubject;

    /** By slot, the entry's position in memory-id order (ties in a ranking); rebuilt lazily. */
    @Nullable private volatile int[] idOrder;

    /** The slots of SUPERSEDED memories; rebuilt lazily. */
    @Nullable private volatile int[] superseded;

    /** The speakers' name terms and their memories' slots; rebuilt lazily. */
    @Nullable private volatile Speakers speakers;

    /**
     * By slot, the slot of the memory just before / after it in its session (event time, then id),
     * -1 for none; rebuilt lazily.
     */
    @Nullable private volatile int[][] sessionLinks;

    /** Adds or replaces a memory; one that is no longer ACTIVE or SUPERSEDED is removed. */
    public void put(MemoryRecord r) {
        boolean rankable =
                r.getStatus() == MemoryStatus.ACTIVE || r.getStatus() == MemoryStatus.SUPERSEDED;
        Entry e = rankable ? new Entry(r, model) : null; // tokenise outside the lock
        lock.writeLock().lock();
        try {
            removeLocked(r.getMemoryId());
            if (e != null) {
                addLocked(e);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    public void remove(String memoryId) {
        lock.writeLock().lock();
        try {
            removeLocked(memoryId);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void addLocked(Entry e) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == slots.length) {
                slots = Arrays.copyOf(slots, used * 2);
                scales = Arrays.copyOf(scales, used * 2);
                eventTimes = Arrays.copyOf(eventTimes, used * 2);
            }
            slot = used++;
        }
        slots[slot] = e;
        eventTimes[slot] = e.eventTime;
        if (e.int8 == null || !storeVector(slot, e.int8, e.scale)) {
            missing++;
        }
        e.int8 = null;
        slotOf.put(e.id, slot);
        for (int i = 0; i < e.terms.length; i++) {
            postings.computeIfAbsent(e.terms[i], t -> new Postings()).add(slot, e.tf[i]);
        }
        totalLength += e.length;
        activeBySubject = null;
        idOrder = null;
        speakers = null;
        sessionLinks = null;
        superseded = null;
    }

    /** Puts an int8 vector at the slot (write lock held); false when its width does not fit. */
    private boolean storeVector(int slot, byte[] int8, float scale) {
        if (dimension != 0 && int8.length != dimension) {
            return false;
        }
        dimension = int8.length;
        if (vectors.length < slots.length * dimension) {
            vectors = Arrays.copyOf(vectors, slots.length * dimension);
        }
        System.arraycopy(int8, 0, vectors, slot * dimension, dimension);
        scales[slot] = scale;
        Entry e = slots[slot];
        if (!e.hasVector) {
            e.hasVector = true;
            if (e.int8 == null) {
                missing--; // filled later (fillVectors); a new entry was never counted
            }
        }
        return true;
    }

    private void removeLocked(String memoryId) {
        Integer slot = slotOf.remove(memoryId);
        if (slot == null) {
            return;
        }
        Entry e = slots[slot];
        if (!e.hasVector) {
            missing--;
        }
        scales[slot] = 0;
        for (String t : e.terms) {
            Postings p = postings.get(t);
            p.remove(slot);
            if (p.size == 0) {
                postings.remove(t);
            }
        }
        totalLength -= e.length;
        slots[slot] = null;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, freeCount * 2);
        }
        free[freeCount++] = slot;
        activeBySubject = null;
        idOrder = null;
        speakers = null;
        sessionLinks = null;
        superseded = null;
    }

    /**
     * Gives every entry without a usable vector (a short-term entry, or a memory whose vector
     * another model made) one from {@code e}, embedded in one batch outside the lock and kept in
     * the index only (the record is not changed). A search then costs the question's embedding
     * alone. Entries replaced meanwhile are skipped. Returns how many were embedded.
     */
    public int fillVectors(TextEmbedder e) {
        if (model == null || !model.equals(e.modelId())) {
            return 0;
        }
        List<Entry> need = new ArrayList<>();
        lock.readLock().lock();
        try {
            if (missing == 0) {
                return 0;
            }
            for (int i = 0; i < used; i++) {
                if (slots[i] != null && !slots[i].hasVector) {
                    need.add(slots[i]);
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        float[][] fresh = e.embed(need.stream().map(x -> MemoryText.embedded(x.record)).toList());
        int filled = 0;
        lock.writeLock().lock();
        try {
            for (int j = 0; j < need.size(); j++) {
                Entry x = need.get(j);
                Integer slot = slotOf.get(x.id);
                if (slot == null || slots[slot] != x || x.hasVector) {
                    continue;
                }
                float scale = Vectors.scale(fresh[j]);
                ByteBuffer q = Vectors.quantize(fresh[j], scale);
                byte[] b = new byte[q.remaining()];
                q.get(b);
                if (storeVector(slot, b, scale)) {
                    filled++;
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
        return filled;
    }

    /** Entries without a vector the dense ranking can use (read under the lock). */
    int missingVectors() {
        return missing;
    }

    /** Memories in the index. */
    public int size() {
        lock.readLock().lock();
        try {
            return slotOf.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Slots handed out so far: every live entry is below this (read under the lock). */
    int capacity() {
        return used;
    }

    int count() {
        return slotOf.size();
    }

    long totalLength() {
        return totalLength;
    }

    /** Called under the read lock; a racing rebuild by two readers computes the same map. */
    Map<String, Integer> activeBySubject() {
        Map<String, Integer> m = activeBySubject;
        if (m != null) {
            return m;
        }
        m = new HashMap<>();
        for (int i = 0; i < used; i++) {
            Entry e = slots[i];
            if (e == null
                    || e.record.getSubject() == null
                    || e.record.getStatus() != MemoryStatus.ACTIVE) {
                continue;
            }
            Integer other = m.get(e.record.getSubject());
            if (other == null || newerActive(e, slots[other])) {
                m.put(e.record.getSubject(), i);
            }
        }
        activeBySubject = m;
        return m;
    }

    /** Called under the read lock; a racing rebuild by two readers computes the same array. */
    int[] idOrder() {
        int[] order = idOrder;
        if (order != null) {
            return order;
        }
        Integer[] live = new Integer[slotOf.size()];
        int n = 0;
        for (int i = 0; i < used; i++) {
            if (slots[i] != null) {
                live[n++] = i;
            }
        }
        Arrays.sort(live, 0, n, (a, b) -> slots[a].id.compareTo(slots[b].id));
        order = new int[used];
        for (int p = 0; p < n; p++) {
            order[live[p]] = p;
        }
        idOrder = order;
        return order;
    }

    /**
     * The speakers of the memories: each BM25 term of a speaker's name (lower-cased and stemmed as
     * question terms are, so one normalisation serves the speaker vote and BM25) to the slots of
     * that speaker's memories, and how many speakers there are.
     */
    record Speakers(Map<String, int[]> byTerm, int count) {}

    /** Called under the read lock; a racing rebuild by two readers computes the same value. */
    Speakers speakers() {
        Speakers sp = speakers;
        if (sp != null) {
            return sp;
        }
        Map<String, List<Integer>> byName = new HashMap<>();
        for (int i = 0; i < used; i++) {
            Entry e = slots[i];
            String who = e == null ? null : e.record.getSpeaker();
            if (who != null && !who.isBlank()) {
                byName.computeIfAbsent(who.strip(), k -> new ArrayList<>()).add(i);
            }
        }
        Map<String, List<Integer>> lists = new HashMap<>();
        for (var e : byName.entrySet()) {
            for (String term : new java.util.LinkedHashSet<>(Text.terms(e.getKey()))) {
                lists.computeIfAbsent(term, k -> new ArrayList<>()).addAll(e.getValue());
            }
        }
        Map<String, int[]> byTerm = new HashMap<>();
        for (var e : lists.entrySet()) {
            byTerm.put(e.getKey(), e.getValue().stream().mapToInt(Integer::intValue).toArray());
        }
        sp = new Speakers(byTerm, byName.size());
        speakers = sp;
        return sp;
    }

    /** The slots of SUPERSEDED memories (read under the lock). */
    int[] supersededSlots() {
        int[] out = superseded;
        if (out != null) {
            return out;
        }
        int n = 0;
        int[] all = new int[used];
        for (int i = 0; i < used; i++) {
            if (slots[i] != null && slots[i].record.getStatus() == MemoryStatus.SUPERSEDED) {
                all[n++] = i;
            }
        }
        out = Arrays.copyOf(all, n);
        superseded = out;
        return out;
    }

    /** By slot, the previous memory of its session, or -1 (read under the lock). */
    int[] sessionPrev() {
        return sessionLinks()[0];
    }

    /** By slot, the next memory of its session, or -1 (read under the lock). */
    int[] sessionNext() {
        return sessionLinks()[1];
    }

    private int[][] sessionLinks() {
        int[][] links = sessionLinks;
        if (links != null) {
            return links;
        }
        int[] prev = new int[used];
        int[] next = new int[used];
        Arrays.fill(prev, -1);
        Arrays.fill(next, -1);
        Map<String, List<Integer>> bySession = new HashMap<>();
        for (int i = 0; i < used; i++) {
            Entry e = slots[i];
            if (e != null && e.record.getSessionId() != null) {
                bySession.computeIfAbsent(e.record.getSessionId(), k -> new ArrayList<>()).add(i);
            }
        }
        for (List<Integer> session : bySession.values()) {
            session.sort(
                    java.util.Comparator.<Integer>comparingLong(i -> slots[i].eventTime)
                            .thenComparing(i -> slots[i].id));
            for (int p = 1; p < session.size(); p++) {
                prev[session.get(p)] = session.get(p - 1);
                next[session.get(p - 1)] = session.get(p);
            }
        }
        links = new int[][] {prev, next};
        sessionLinks = links;
        return links;
    }

    /**
     * The later validFrom wins; equal ones by memory id, so the answer does not depend on slots.
     */
    private static boolean newerActive(Entry a, Entry b) {
        int c = a.record.getValidFrom().compareTo(b.record.getValidFrom());
        return c != 0 ? c > 0 : a.id.compareTo(b.id) < 0;
    }

    /**
     * Estimated heap bytes of the index beyond the records themselves (term arrays, counts,
     * embedding copies, postings); {@code bench-serve} reports it per memory.
     */
    public long extraBytes() {
        lock.readLock().lock();
        try {
            long b = 16L * slots.length + 64L * slotOf.size() + vectors.length + 4L * scales.length;
            for (int i = 0; i < used; i++) {
                Entry e = slots[i];
                if (e != null) {
                    b += 48 + 16 + 8L * e.terms.length + 16 + 4L * e.tf.length;
                }
            }
            for (var p : postings.entrySet()) {
                b += 48 + 40 + 2L * p.getKey().length() + 32 + 8L * p.getValue().slots.length;
            }
            return b;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The records in the index (any order). */
    public List<MemoryRecord> records() {
        lock.readLock().lock();
        try {
            List<MemoryRecord> out = new ArrayList<>(slotOf.size());
            for (int i = 0; i < used; i++) {
                if (slots[i] != null) {
                    out.add(slots[i].record);
                }
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }
}
