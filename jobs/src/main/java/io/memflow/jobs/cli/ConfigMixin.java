package io.memflow.jobs.cli;

import io.memflow.operators.config.MemflowOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/** Options shared by the commands that talk to Kafka or run the job. */
public class ConfigMixin {
    @Option(
            names = {"-b", "--bootstrap-servers"},
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).",
            defaultValue = "localhost:9092")
    String bootstrapServers;

    @Option(
            names = "-D",
            paramLabel = "KEY=VALUE",
            description = "Any memflow.* or Flink option, e.g. -Dmemflow.sensory.keep-ratio=0.6.")
    Map<String, String> properties = new LinkedHashMap<>();

    /** The configuration: defaults, then -D keys, then --bootstrap-servers. */
    public Configuration configuration(Configuration base) {
        Configuration c = new Configuration(base);
        properties.forEach(c::setString);
        c.set(MemflowOptions.BOOTSTRAP_SERVERS, bootstrapServers);
        return c;
    }
}
