package io.memflow.operators.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.MemoryQuery;
import io.memflow.schemas.codec.WireFormat;
import io.memflow.schemas.internal.RawEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every query gets an answer, and ids map to keys one to one. */
class InputDecoderEdgesTest {
    static final long NOW = Instant.parse("2024-04-01T00:00:00Z").toEpochMilli();
    final InputDecoder decoder =
            new InputDecoder(
                    new InputDecoder.Topics("turns", "agent-events", "queries", "control"),
                    65536,
                    Duration.ofDays(1));

    InputDecoder.Result decode(String topic, SpecificRecordBase r) {
        return decoder.decode(
                RawEvent.newBuilder()
                        .setTopic(topic)
                        .setPartition(0)
                        .setOffset(3)
                        .setTimestamp(NOW)
                        .setValue(ByteBuffer.wrap(WireFormat.encode(r)))
                        .build(),
                NOW);
    }

    static MemoryQuery query(String tenant, String user, String text, Integer k) {
        return MemoryQuery.newBuilder()
                .setQueryId("q1")
                .setTenantId(tenant)
                .setUserId(user)
                .setText(text)
                .setQueryTime(Instant.parse("2024-03-31T00:00:00Z"))
                .setK(k)
                .build();
    }

    static ConversationTurn turn(String tenant, String user) {
        return ConversationTurn.newBuilder()
                .setEventId("e1")
                .setTenantId(tenant)
                .setUserId(user)
                .setSessionId("s1")
                .setTurnId("d1")
                .setSpeaker("Ann")
                .setText("hello")
                .setEventTime(Instant.parse("2024-03-31T00:00:00Z"))
                .build();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "where?; 100000; k must be between 1 and 1000, was 100000",
                "where?; 0; k must be between 1 and 1000, was 0",
                "where?; -5; k must be between 1 and 1000, was -5",
                "'  '; 3; text is empty"
            })
    void anInvalidQueryIsAnsweredWithItsErrorAndDeadLettered(String text, int k, String reason) {
        InputDecoder.Result r = decode("queries", query("acme", "maya", text, k));
        assertThat(r.input()).isNull();
        assertThat(r.deadLetter().getReason()).contains(reason);
        assertThat(r.errorAnswer()).isNotNull();
        assertThat(r.errorAnswer().getQueryId()).isEqualTo("q1");
        assertThat(r.errorAnswer().getTenantId()).isEqualTo("acme");
        assertThat(r.errorAnswer().getUserId()).isEqualTo("maya");
        assertThat(r.errorAnswer().getErrorCode()).isEqualTo(InputDecoder.INVALID_QUERY);
        assertThat(r.errorAnswer().getErrorMessage()).isEqualTo(r.deadLetter().getReason());
        assertThat(r.errorAnswer().getMemories()).isEmpty();
    }

    @Test
    void aValidQueryHasNoErrorAnswer() {
        InputDecoder.Result r = decode("queries", query("acme", "maya", "where?", 5));
        assertThat(r.input().getQuery().getK()).isEqualTo(5);
        assertThat(r.errorAnswer()).isNull();
    }

    @Test
    void aBadTurnHasNoAnswer() {
        InputDecoder.Result r = decode("turns", turn("a/b", "c"));
        assertThat(r.deadLetter()).isNotNull();
        assertThat(r.errorAnswer()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "a|b", "a\u0001b"})
    void separatorsAndControlCharactersAreRejectedInTenantAndUser(String id) {
        InputDecoder.Result asTenant = decode("turns", turn(id, "c"));
        assertThat(asTenant.input()).isNull();
        assertThat(asTenant.deadLetter().getReason()).contains("tenantId must not contain");
        InputDecoder.Result asUser = decode("turns", turn("a", id));
        assertThat(asUser.input()).isNull();
        assertThat(asUser.deadLetter().getReason()).contains("userId must not contain");
    }

    @Test
    void theTwoPairsThatSharedAKeyAreBothRejected() {
        // tenant a/b + user c and tenant a + user b/c both used to be key a/b/c on the topics
        assertThat(decode("turns", turn("a/b", "c")).input()).isNull();
        assertThat(decode("turns", turn("a", "b/c")).input()).isNull();
        InputDecoder.Result ok = decode("turns", turn("a.b-c_d@e f", "ü"));
        assertThat(ok.input().getKey()).isEqualTo("a.b-c_d@e f|ü");
    }
}
