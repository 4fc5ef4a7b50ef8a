package io.memflow.operators.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.schemas.ControlCommand;
import io.memflow.schemas.ControlType;
import io.memflow.schemas.codec.WireFormat;
import io.memflow.schemas.internal.RawEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What each control command needs before any tier sees it. */
class InputDecoderControlTest {
    static final long NOW = Instant.parse("2024-04-01T00:00:00Z").toEpochMilli();
    final InputDecoder decoder =
            new InputDecoder(
                    new InputDecoder.Topics("turns", "agent-events", "queries", "control"),
                    65536,
                    Duration.ofDays(1));

    static ControlCommand command(ControlType type, String memoryId) {
        return ControlCommand.newBuilder()
                .setCommandId("c1")
                .setTenantId("t")
                .setUserId("u")
                .setType(type)
                .setIssuedAt(Instant.parse("2024-03-30T00:00:00Z"))
                .setMemoryId(memoryId)
                .build();
    }

    InputDecoder.Result decode(ControlCommand c) {
        return decoder.decode(
                RawEvent.newBuilder()
                        .setTopic("control")
                        .setPartition(0)
                        .setOffset(7)
                        .setTimestamp(NOW)
                        .setValue(ByteBuffer.wrap(WireFormat.encode(c)))
                        .build(),
                NOW);
    }

    @Test
    void deleteMemoryWithItsIdPasses() {
        InputDecoder.Result r = decode(command(ControlType.DELETE_MEMORY, "m-1"));
        assertThat(r.deadLetter()).isNull();
        assertThat(r.input().getControl().getMemoryId()).isEqualTo("m-1");
        assertThat(r.input().getKey()).isEqualTo("t|u");
    }

    @Test
    void deleteMemoryWithoutAnIdIsADeadLetter() {
        InputDecoder.Result r = decode(command(ControlType.DELETE_MEMORY, null));
        assertThat(r.input()).isNull();
        assertThat(r.deadLetter().getReason()).contains("memoryId is missing");
        assertThat(r.deadLetter().getSourceOffset()).isEqualTo(7);
    }

    @Test
    void aMemoryIdOnAnotherCommandIsADeadLetter() {
        // a FORGET_USER that names one memory is most likely a DELETE_MEMORY sent wrong: refusing
        // it beats forgetting the whole user
        InputDecoder.Result r = decode(command(ControlType.FORGET_USER, "m-1"));
        assertThat(r.input()).isNull();
        assertThat(r.deadLetter().getReason()).contains("memoryId is only for DELETE_MEMORY");
    }
}
