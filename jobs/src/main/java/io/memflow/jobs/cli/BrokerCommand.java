package io.memflow.jobs.cli;

import io.memflow.jobs.kafka.EmbeddedKafka;
import io.memflow.jobs.kafka.KafkaEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A local single-node KRaft broker with every memflow topic, for development. */
@Command(
        name = "broker",
        mixinStandardHelpOptions = true,
        description =
                "Start an in-process Kafka broker on loopback with the memflow topics, and block.")
public class BrokerCommand implements Callable<Integer> {
    @Option(
            names = "--port",
            defaultValue = "9092",
            description =
                    "Bootstrap port on localhost (default: ${DEFAULT-VALUE}); 0 uses the broker's own free port.")
    int port;

    @Option(
            names = "--partitions",
            defaultValue = "2",
            description = "Partitions per topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws Exception {
        Configuration conf = new Configuration();
        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start(port);
        } catch (Exception e) {
            throw new CliException(
                    "cannot start a broker on localhost:"
                            + port
                            + " ("
                            + rootMessage(e)
                            + "); is the port taken? Try --port 19092");
        }
        List<String> topics = new ArrayList<>(KafkaEndpoints.inputTopics(conf));
        topics.addAll(KafkaEndpoints.outputTopics(conf));
        kafka.createTopics(topics, partitions, conf);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        kafka.close();
                                    } catch (Exception ignored) {
                                        // shutting down anyway
                                    }
                                    stop.countDown();
                                }));
        System.out.println("memflow broker ready at " + kafka.bootstrapServers());
        System.out.println("topics: " + String.join(", ", topics));
        System.out.println(
                "next: java -jar jobs/target/memflow.jar run --bootstrap-servers "
                        + kafka.bootstrapServers());
        System.out.println("Ctrl-C stops the broker (its data is deleted).");
        System.out.flush();
        stop.await();
        return 0;
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
