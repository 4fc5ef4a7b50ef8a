package io.memflow.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.schemas.codec.WireFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * How the topic schemas evolve. The reader that matters is memflow itself: producers write the
 * input topics and memflow must read every version they may still send, so the current schema must
 * read every released version (new reader, old data), and the newest released version must be the
 * current schema (any change adds a frozen version). The other direction (an old memflow reading
 * new data) is not promised: memflow is upgraded before producers send a new version, e.g. a new
 * enum symbol. Released versions live in {@code src/main/resources/schema-history/<Record>/vN.avsc}
 * (the decoder resolves older writers with them) and are never edited.
 */
class SchemaCompatibilityTest {

    @TestFactory
    Stream<DynamicTest> currentSchemasReadEveryReleasedVersion() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Class<? extends SpecificRecordBase> type : WireFormat.TOPIC_TYPES) {
            Schema current = WireFormat.schemaOf(type);
            List<Schema> released = WireFormat.history(type);
            assertThat(released).as("released versions of " + type.getSimpleName()).isNotEmpty();
            tests.add(
                    DynamicTest.dynamicTest(
                            type.getSimpleName() + " newest release is current",
                            () ->
                                    assertThat(
                                                    WireFormat.fingerprint(
                                                            released.get(released.size() - 1)))
                                            .as(
                                                    "add v"
                                                            + (released.size() + 1)
                                                            + ".avsc for the change")
                                            .isEqualTo(WireFormat.fingerprint(current))));
            for (int v = 1; v <= released.size(); v++) {
                Schema frozen = released.get(v - 1);
                tests.add(
                        DynamicTest.dynamicTest(
                                type.getSimpleName() + " reads v" + v,
                                () ->
                                        assertThat(compat(current, frozen))
                                                .as("current reads v-frozen")
                                                .isEqualTo(SchemaCompatibilityType.COMPATIBLE)));
            }
        }
        return tests.stream();
    }

    @Test
    void recordWrittenWithAnOlderSchemaDecodesIntoTheCurrentClass() throws Exception {
        // new reader, old data: a v1 FORGET_USER command from a producer that was not upgraded
        Schema v1 = WireFormat.history(ControlCommand.class).get(0);
        GenericRecord old = new GenericData.Record(v1);
        old.put("commandId", "c1");
        old.put("tenantId", "t");
        old.put("userId", "u");
        old.put("type", new GenericData.EnumSymbol(v1.getField("type").schema(), "FORGET_USER"));
        old.put("issuedAt", 1_700_000_000_000L);
        ByteBuffer bytes =
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] wire = new byte[bytes.remaining()];
        bytes.get(wire);

        ControlCommand c = WireFormat.decode(wire, ControlCommand.class);
        assertThat(c.getType()).isEqualTo(ControlType.FORGET_USER);
        assertThat(c.getMemoryId()).isNull();
        assertThat(c.getIssuedAt().toEpochMilli()).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void newEnumSymbolIsNotReadableByTheOldReader() {
        // documents the direction that is not promised: memflow must be upgraded first
        List<Schema> released = WireFormat.history(ControlCommand.class);
        assertThat(compat(released.get(0), WireFormat.schemaOf(ControlCommand.class)))
                .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void everyFieldHasADoc() {
        for (Class<? extends SpecificRecordBase> type : WireFormat.TOPIC_TYPES) {
            assertDocs(WireFormat.schemaOf(type), new ArrayList<>());
        }
    }

    @Test
    void incompatibleChangeIsDetected() {
        // a guard that the check above can fail: removing a field without default breaks readers
        Schema v1 = WireFormat.schemaOf(MemoryQuery.class);
        Schema broken =
                new Schema.Parser()
                        .parse(v1.toString().replace("\"name\":\"text\"", "\"name\":\"question\""));
        assertThat(compat(broken, v1)).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    private static void assertDocs(Schema s, List<String> seen) {
        if (s.getType() == Schema.Type.UNION) {
            s.getTypes().forEach(t -> assertDocs(t, seen));
        } else if (s.getType() == Schema.Type.ARRAY) {
            assertDocs(s.getElementType(), seen);
        } else if (s.getType() == Schema.Type.RECORD && !seen.contains(s.getFullName())) {
            seen.add(s.getFullName());
            assertThat(s.getDoc()).as(s.getFullName() + " doc").isNotBlank();
            for (Schema.Field f : s.getFields()) {
                assertThat(f.doc()).as(s.getFullName() + "." + f.name() + " doc").isNotBlank();
                assertDocs(f.schema(), seen);
            }
        }
    }

    private static SchemaCompatibilityType compat(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType();
    }
}
