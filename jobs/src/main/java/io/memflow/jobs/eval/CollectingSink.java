package io.memflow.jobs.eval;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A sink that hands every record to a queue in this JVM, named by a run id: the evaluation runs the
 * job on a local MiniCluster and reads its outputs directly, which avoids waiting on exactly-once
 * Kafka transactions (a transaction a finishing job leaves open holds back every later record from
 * {@code read_committed} readers until it times out). At-least-once: a restart could repeat
 * records, so readers de-duplicate by id.
 */
final class CollectingSink<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;

    private static final Map<String, Queue<Object>> QUEUES = new ConcurrentHashMap<>();

    private final String id;

    CollectingSink(String id) {
        this.id = id;
        QUEUES.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>());
    }

    @SuppressWarnings("unchecked")
    Queue<T> queue() {
        return (Queue<T>) (Queue<?>) QUEUES.get(id);
    }

    void release() {
        QUEUES.remove(id);
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        Queue<Object> q = QUEUES.get(id);
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) {
                q.add(element);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
