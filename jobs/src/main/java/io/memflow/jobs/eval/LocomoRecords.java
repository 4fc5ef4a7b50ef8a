package io.memflow.jobs.eval;

import io.memflow.schemas.ConversationTurn;
import io.memflow.schemas.MemoryQuery;
import java.util.ArrayList;
import java.util.List;

/**
 * LoCoMo as memflow input: each conversation is one user ({@code userId} = sample id) of one
 * tenant; turns keep their dia_id as {@code turnId} (provenance points at it) and their image
 * caption; each question is asked one day after the last session (a query only sees inputs with
 * earlier event time), a second apart in file order.
 */
public final class LocomoRecords {
    private LocomoRecords() {}

    public static List<ConversationTurn> turns(String tenant, Locomo.Conversation c) {
        List<ConversationTurn> out = new ArrayList<>();
        for (Locomo.Session s : c.sessions()) {
            for (Locomo.Turn t : s.turns()) {
                out.add(
                        ConversationTurn.newBuilder()
                                .setEventId(tenant + "/" + c.sampleId() + "/" + t.diaId())
                                .setTenantId(tenant)
                                .setUserId(c.sampleId())
                                .setSessionId("session_" + s.number())
                                .setTurnId(t.diaId())
                                .setSpeaker(t.speaker())
                                .setText(t.text().isBlank() ? "(image)" : t.text())
                                .setImageCaption(t.caption())
                                .setEventTime(t.time())
                                .build());
            }
        }
        return out;
    }

    public static List<MemoryQuery> queries(String tenant, Locomo.Conversation c, int k) {
        List<MemoryQuery> out = new ArrayList<>();
        for (Locomo.Question q : c.questions()) {
            out.add(
                    MemoryQuery.newBuilder()
                            .setQueryId(queryId(c, q))
                            .setTenantId(tenant)
                            .setUserId(c.sampleId())
                            .setText(q.question())
                            .setQueryTime(c.queryTime().plusSeconds(q.index()))
                            .setK(k)
                            .build());
        }
        return out;
    }

    public static String queryId(Locomo.Conversation c, Locomo.Question q) {
        return c.sampleId() + "/q" + q.index();
    }
}
