package io.memflow.operators.consolidate;

import io.memflow.operators.text.MemoryText;
import io.memflow.operators.text.Text;
import io.memflow.schemas.MemoryKind;
import io.memflow.schemas.MemoryRecord;
import io.memflow.schemas.MemoryStatus;
import io.memflow.schemas.internal.Observation;
import io.memflow.schemas.internal.Segment;
import io.memflow.schemas.internal.SegmentBatch;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Consolidation without an LLM: each kept observation of a segment batch becomes one standalone
 * memory entry, {@code "Ann: moved to Seattle"} ({@link MemoryText#fact}; first-person words that
 * compression kept are resolved to the speaker, {@link SpeakerResolver}), whose absolute date is
 * its {@code validFrom}/{@code eventTime} (rendered with the weekday in front of the text whenever
 * it is retrieved, {@link MemoryText#dated}), whose topic id names its segment, and whose
 * provenance names exactly the turn it came from. Ids are derived from the user and the turn, so
 * replaying the same input yields the same ids. An embedding the short-term tier already computed
 * for the same text (topic segmentation) is carried over, so the text is not embedded twice.
 */
public final class ExtractiveConsolidator implements Consolidator {
    private static final long serialVersionUID = 1L;

    private final SubjectExtractor subjects = new SubjectExtractor();

    @Override
    public List<MemoryRecord> consolidate(String tenantId, String userId, SegmentBatch batch) {
        List<MemoryRecord> out = new ArrayList<>();
        int topic = 0;
        for (Segment seg : batch.getSegments()) {
            topic++;
            for (Observation o : seg.getObservations()) {
                String text = factText(o);
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
                                .setEmbeddingModel(o.getEmbeddingModel())
                                .setTokenCount(Text.countTokens(text))
                                .setLastAccessTime(Instant.ofEpochMilli(o.getEventTime()))
                                .setVersion(1)
                                .setStatus(MemoryStatus.ACTIVE)
                                .build());
            }
        }
        return out;
    }

    /** The stored text of the fact an observation becomes (also what topic segmentation embeds). */
    public static String factText(Observation o) {
        String body = o.getCompressedText() != null ? o.getCompressedText() : o.getText();
        if ("turn".equals(o.getSource())) {
            // what compression kept of "I", "my", "I'm" says the speaker: "Maya: Maya's allergic"
            body = SpeakerResolver.resolve(o.getSpeaker(), body);
        }
        return MemoryText.fact(o.getSpeaker(), body);
    }

    /**
     * The fact as a reader sees it, dated ({@link MemoryText#dated}): what is embedded for the
     * fact, and for topic segmentation, which hands the vector on.
     */
    public static String readerText(Observation o) {
        return MemoryText.dated(o.getEventTime(), factText(o));
    }

    /** "Mon 8 May 2023" ({@link MemoryText#date}). */
    public static String formatDate(long epochMillis) {
        return MemoryText.date(epochMillis);
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
