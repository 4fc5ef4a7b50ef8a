package io.memflow.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.schemas.codec.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every topic schema must read every frozen earlier version (backward) and be readable by it
 * (forward), so producers and the job can be upgraded in either order. Frozen copies live in {@code
 * src/test/resources/compat/<Record>/vN.avsc} and are never edited.
 */
class SchemaCompatibilityTest {

    @TestFactory
    Stream<DynamicTest> currentSchemasAreCompatibleWithFrozenVersions() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Class<? extends SpecificRecordBase> type : WireFormat.TOPIC_TYPES) {
            Schema current = WireFormat.schemaOf(type);
            for (int v = 1; ; v++) {
                String path = "/compat/" + type.getSimpleName() + "/v" + v + ".avsc";
                Schema frozen = load(path);
                if (frozen == null) {
                    assertThat(v).as("frozen v1 of " + type.getSimpleName()).isGreaterThan(1);
                    break;
                }
                tests.add(
                        DynamicTest.dynamicTest(
                                type.getSimpleName() + " v" + v,
                                () -> {
                                    assertThat(compat(current, frozen))
                                            .as("current reads v-frozen")
                                            .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
                                    assertThat(compat(frozen, current))
                                            .as("v-frozen reads current")
                                            .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
                                }));
            }
        }
        return tests.stream();
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

    private static Schema load(String path) {
        try (InputStream in = SchemaCompatibilityTest.class.getResourceAsStream(path)) {
            return in == null ? null : new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new IllegalStateException(path, e);
        }
    }
}
