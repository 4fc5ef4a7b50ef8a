package io.memflow.jobs.serve;

import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code /mcp} on serve's Jetty: the SDK's streamable-HTTP servlet behind the same API-key check as
 * REST (401 before any MCP message is read) and the same latency histogram. The tools take the
 * tenant from each request's own key (the transport context), so an MCP session cannot be reused
 * under another tenant's key.
 */
final class McpHttpEndpoint extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient HttpServletStreamableServerTransportProvider transport;
    private final transient ServeApi.Tenancy tenancy;
    private final transient LatencyHistogram latency;

    McpHttpEndpoint(
            HttpServletStreamableServerTransportProvider transport,
            ServeApi.Tenancy tenancy,
            LatencyHistogram latency) {
        this.transport = transport;
        this.tenancy = tenancy;
        this.latency = latency;
    }

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        transport.init(config);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp)
            throws ServletException, IOException {
        long start = System.nanoTime();
        try {
            if (tenancy.tenantOf(req.getHeader("Authorization")) == null) {
                resp.setStatus(401);
                resp.setContentType("application/json");
                resp.getOutputStream()
                        .write(
                                ServeJson.error(
                                                "unauthorized",
                                                "send Authorization: Bearer <key> with a key from"
                                                        + " the --api-keys file")
                                        .toString()
                                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            transport.service(req, resp);
        } finally {
            latency.record(
                    "method=\"" + req.getMethod() + "\",route=\"/mcp\"", System.nanoTime() - start);
        }
    }
}
