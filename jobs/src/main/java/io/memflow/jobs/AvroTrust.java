package io.memflow.jobs;

/**
 * Avro 1.12.1+ only instantiates generated classes from trusted packages. Every JVM that runs
 * memflow code needs {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.memflow.schemas}; the CLI
 * sets it itself before any Avro class loads so that {@code java -jar memflow.jar} just works.
 */
public final class AvroTrust {
    public static final String PROPERTY = "org.apache.avro.SERIALIZABLE_PACKAGES";
    public static final String PACKAGES = "io.memflow.schemas";

    private AvroTrust() {}

    public static void trustMemflowSchemas() {
        String current = System.getProperty(PROPERTY);
        if (current == null || current.isBlank()) {
            System.setProperty(PROPERTY, PACKAGES);
        } else if (!current.contains(PACKAGES)) {
            System.setProperty(PROPERTY, current + "," + PACKAGES);
        }
    }
}
