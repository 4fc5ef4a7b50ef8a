package io.memflow.jobs.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.memflow.operators.ingest.InputDecoder;
import io.memflow.schemas.codec.WireFormat;
import io.memflow.schemas.internal.RawEvent;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Reads and checks a whole JSON Lines input before anything is sent, so that {@code produce} is all
 * or nothing: each line must be UTF-8, one JSON object with the record's fields in their Avro types
 * ({@link JsonCodec}: text as strings, timestamps as ISO-8601 strings), fit one Kafka request, and
 * pass the job's own validation ({@link InputDecoder}: ids and their alphabet, text size, time
 * skew, {@code k}), so a line accepted here is never a dead letter in the job. Pure logic, no
 * Kafka.
 */
final class JsonLines {
    /** A line ready to send. */
    record Good(int line, String key, Long timestamp, byte[] value) {}

    /** A line that would not be sent, and why. */
    record Bad(int line, String reason) {}

    record Result(List<Good> good, List<Bad> bad) {}

    /** Bytes a record may take besides its key and value in one Kafka request (headers, batch). */
    static final int REQUEST_OVERHEAD = 512;

    private JsonLines() {}

    /**
     * @param topic the full topic name (the decoder's rules depend on it)
     * @param maxRequestBytes the producer's {@code max.request.size}
     */
    static Result check(
            byte[] input,
            TopicNames.Entry entry,
            String topic,
            InputDecoder decoder,
            int maxRequestBytes,
            long nowMillis) {
        List<Good> good = new ArrayList<>();
        List<Bad> bad = new ArrayList<>();
        int lineNo = 0;
        int start = 0;
        while (start < input.length) {
            int end = start;
            while (end < input.length && input[end] != '\n') {
                end++;
            }
            lineNo++;
            int stop = end > start && input[end - 1] == '\r' ? end - 1 : end;
            String problem = null;
            Good ok = null;
            try {
                String line = utf8(input, start, stop);
                if (!line.isBlank()) {
                    ok = record(line, lineNo, entry, topic, decoder, maxRequestBytes, nowMillis);
                }
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
            if (problem != null) {
                bad.add(new Bad(lineNo, problem));
            } else if (ok != null) {
                good.add(ok);
            }
            start = end + 1;
        }
        return new Result(good, bad);
    }

    private static Good record(
            String line,
            int lineNo,
            TopicNames.Entry entry,
            String topic,
            InputDecoder decoder,
            int maxRequestBytes,
            long nowMillis) {
        JsonNode json;
        try {
            json = JsonCodec.MAPPER.readTree(line);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    "not JSON: " + e.getOriginalMessage().replaceAll("\\s+", " "));
        }
        SpecificRecordBase record =
                JsonCodec.fromJson(ProduceCommand.withDefaults(topic, entry, json), entry.type());
        byte[] value = WireFormat.encode(record);
        String key = ProduceCommand.key(record);
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        if (value.length + keyBytes.length + REQUEST_OVERHEAD > maxRequestBytes) {
            throw new IllegalArgumentException(
                    "the record is "
                            + value.length
                            + " bytes, more than one Kafka request takes (max.request.size="
                            + maxRequestBytes
                            + ")");
        }
        InputDecoder.Result r =
                decoder.decode(
                        RawEvent.newBuilder()
                                .setTopic(topic)
                                .setPartition(0)
                                .setOffset(lineNo)
                                .setTimestamp(nowMillis)
                                .setKey(ByteBuffer.wrap(keyBytes))
                                .setValue(ByteBuffer.wrap(value))
                                .build(),
                        nowMillis);
        if (r.deadLetter() != null) {
            throw new IllegalArgumentException(r.deadLetter().getReason());
        }
        return new Good(lineNo, key, io.memflow.jobs.kafka.TopicIo.timestamp(record), value);
    }

    private static String utf8(byte[] b, int from, int to) {
        CharsetDecoder d =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, from, to - from);
        CharBuffer out = CharBuffer.allocate(to - from);
        CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            throw new IllegalArgumentException(
                    "not valid UTF-8 at byte "
                            + (in.position() - from + 1)
                            + " of the line (save the file as UTF-8)");
        }
        d.flush(out);
        return out.flip().toString();
    }
}
