package io.memflow.operators.consolidate;

import io.memflow.operators.text.Text;
import io.memflow.schemas.MemoryKind;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.Segment;
import io.memflow.schemas.internal.SegmentBatch;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Consolidation without an LLM: each kept observation of a segment batch becomes one standalone
 * memory entry that carries its speaker and absolute date ("[Mon 8 May 2023] Ann: moved to
 * Seattle"), so temporal questions can be answered from the text alone, and whose provenance names
 * exactly the turn it came from. Ids are derived from the user and the turn, so replaying the same
 * input yields the same ids.
 */
public final class ExtractiveConsolidator implements Serializable {
    private static final long serialVersionUID = 1L;

    static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE d MMMM yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private final SubjectExtractor subjects = new SubjectExtractor();

    public List<MemoryRecord> consolidate(String tenantId, String userId, SegmentBatch batch) {
        List<MemoryRecord> out = new ArrayList<>();
        int topic = 0;
        for (Segment seg : batch.getSegments()) {
            topic++;
            for (Observation o : seg.getObservations()) {
                String body = o.getCompressedText() != null ? o.getCompressedText() : o.getText();
                String text =
                        "[" + formatDate(o.getEventTime()) + "] " + o.getSpeaker() + ": " + body;
                out.add(
                        MemoryRecord.newBuilder()
                                .setMemoryId(memoryId(tenantId, userId, o.getId()))
                                .setTenantId(tenantId)
                                .setUserId(userId)
                                .setKind(
                                        "turn".equals(o.getSource())
                                                ? MemoryKind.FACT
                                                : MemoryKind.EVENT)
                                .setText(text)
                                .setSpeaker(o.getSpeaker())
                                .setSubject(subjects.subject(o.getSpeaker(), o.getText()))
                                .setEventTime(Instant.ofEpochMilli(o.getEventTime()))
                                .setValidFrom(Instant.ofEpochMilli(o.getEventTime()))
                                .setSourceTurnIds(List.of(o.getId()))
                                .setSessionId(o.getSessionId())
                                .setSegmentId(seg.getSegmentId())
                                .setTopicId(batch.getBatchId() + "/" + topic)
                                .setEmbedding(o.getEmbedding())
                                .setEmbeddingScale(o.getEmbeddingScale())
                                .setTokenCount(Text.countTokens(text))
                                .setLastAccessTime(Instant.ofEpochMilli(o.getEventTime()))
                                .setVersion(1)
                                .setStatus(MemoryStatus.ACTIVE)
                                .build());
            }
        }
        return out;
    }

    public static String formatDate(long epochMillis) {
        return DATE.format(Instant.ofEpochMilli(epochMillis));
    }

    /** Stable id: 64-bit FNV-1a of tenant, user and source id. */
    public static String memoryId(String tenantId, String userId, String sourceId) {
        long h = 0xcbf29ce484222325L;
        for (byte b :
                (tenantId + "\u0000" + userId + "\u0000" + sourceId)
                        .getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return String.format("m-%016x", h);
    }
}
