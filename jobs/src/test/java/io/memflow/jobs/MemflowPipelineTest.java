package io.memflow.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.memflow.jobs.kafka.KafkaEndpoints;
import io.memflow.operators.config.MemflowOptions;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/** The savepoint contract: every operator of the job graph has a stable, unique uid. */
class MemflowPipelineTest {

    @Test
    void everyOperatorHasAUniqueUidAndMaxParallelismIsExplicit() {
        List<String> uids = uidsOf(new Configuration());
        assertThat(uids)
                .contains(
                        Uids.SOURCE,
                        Uids.DECODE,
                        Uids.EVENT_ORDER,
                        Uids.SENSORY,
                        Uids.SHORT_TERM,
                        Uids.CONSOLIDATE,
                        Uids.LONG_TERM)
                .doesNotContain(Uids.INFERENCE_EPISODES, Uids.INFERENCE_GENERATE);
    }

    @Test
    void withAModelTheInferenceOperatorsHaveUidsToo() {
        Configuration conf = new Configuration();
        // the graph is only built here; the model is loaded when the job runs
        conf.set(MemflowOptions.MODEL_PATH, "/models/any.gguf");
        assertThat(uidsOf(conf))
                .contains(Uids.LONG_TERM, Uids.INFERENCE_EPISODES, Uids.INFERENCE_GENERATE);
    }

    @Test
    void withAnEndpointTheRemoteOperatorHasAUidAndNoEpisodes() {
        Configuration conf = new Configuration();
        conf.set(MemflowOptions.ENDPOINT, "http://127.0.0.1:9/v1");
        conf.set(MemflowOptions.ENDPOINT_MODEL, "any");
        conf.set(MemflowOptions.CONSOLIDATION_MODE, "llm");
        assertThat(uidsOf(conf))
                .contains(Uids.CONSOLIDATE, Uids.INFERENCE_REMOTE)
                .doesNotContain(Uids.INFERENCE_EPISODES, Uids.INFERENCE_GENERATE);
    }

    @Test
    void endpointAndModelPathTogetherOrLlmModeWithoutEndpointAreRefused() {
        Configuration both = new Configuration();
        both.set(MemflowOptions.ENDPOINT, "http://127.0.0.1:9/v1");
        both.set(MemflowOptions.ENDPOINT_MODEL, "any");
        both.set(MemflowOptions.MODEL_PATH, "/models/any.gguf");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> uidsOf(both))
                .hasMessageContaining("both set");
        Configuration llm = new Configuration();
        llm.set(MemflowOptions.CONSOLIDATION_MODE, "llm");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> uidsOf(llm))
                .hasMessageContaining("needs memflow.inference.endpoint");
    }

    private static List<String> uidsOf(Configuration conf) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        MemflowPipeline.build(
                env,
                conf,
                KafkaEndpoints.source(conf, false),
                KafkaEndpoints.changesSink(conf),
                KafkaEndpoints.answersSink(conf),
                KafkaEndpoints.deadLetterSink(conf),
                null);
        assertThat(env.getMaxParallelism()).isEqualTo(128);
        StreamGraph graph = env.getStreamGraph();
        List<String> uids = new ArrayList<>();
        for (StreamNode node : graph.getStreamNodes()) {
            assertThat(node.getTransformationUID())
                    .as("uid of " + node.getOperatorName())
                    .isNotBlank();
            uids.add(node.getTransformationUID());
        }
        assertThat(uids).doesNotHaveDuplicates();
        return uids;
    }
}
