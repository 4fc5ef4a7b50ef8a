package io.memflow.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memflow.schemas.codec.WireFormat;
import io.memflow.schemas.codec.WireFormatException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WireFormatTest {

    static ConversationTurn turn() {
        return ConversationTurn.newBuilder()
                .setEventId("e1")
                .setTenantId("t")
                .setUserId("u")
                .setSessionId("s1")
                .setTurnId("D1:1")
                .setSpeaker("Ann")
                .setText("I live in Boston.")
                .setEventTime(java.time.Instant.ofEpochMilli(1_700_000_000_000L))
                .build();
    }

    @Test
    void roundTripsSingleObjectEncoding() throws Exception {
        byte[] bytes = WireFormat.encode(turn());
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        assertThat(WireFormat.decode(bytes, ConversationTurn.class)).isEqualTo(turn());
    }

    @Test
    void recordOfAnotherSchemaIsNamed() {
        byte[] query =
                WireFormat.encode(
                        MemoryQuery.newBuilder()
                                .setQueryId("q")
                                .setTenantId("t")
                                .setUserId("u")
                                .setText("where?")
                                .setQueryTime(java.time.Instant.EPOCH)
                                .build());
        assertThatThrownBy(() -> WireFormat.decode(query, ConversationTurn.class))
                .isInstanceOfSatisfying(
                        WireFormatException.class,
                        e -> {
                            assertThat(e.kind()).isEqualTo(WireFormatException.Kind.WRONG_SCHEMA);
                            assertThat(e.getMessage()).contains("MemoryQuery");
                        });
    }

    @Test
    void garbageIsUndecodable() {
        assertThatThrownBy(
                        () ->
                                WireFormat.decode(
                                        "hello world".getBytes(StandardCharsets.UTF_8),
                                        ConversationTurn.class))
                .isInstanceOfSatisfying(
                        WireFormatException.class,
                        e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.UNDECODABLE));
    }

    @Test
    void truncatedBodyIsUndecodable() {
        byte[] bytes = WireFormat.encode(turn());
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 5);
        assertThatThrownBy(() -> WireFormat.decode(cut, ConversationTurn.class))
                .isInstanceOf(WireFormatException.class);
    }
}
