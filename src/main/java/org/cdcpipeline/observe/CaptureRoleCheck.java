package org.cdcpipeline.observe;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.cdcpipeline.cdc.CaptureRole;

/**
 * Capture's role in this instance: capturing, or standby while another instance captures. Always UP: a standby is
 * ready (it archives, aggregates and imports like any instance, and takes capture over when the other stops); the
 * replication slot's lag says whether capture as a whole keeps up.
 */
public final class CaptureRoleCheck extends ReadinessCheck {

    private final CaptureRole role;

    public CaptureRoleCheck(CaptureRole role) {
        super("capture-role");
        this.role = role;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("role", role.getRole());
        builder.detail("instance", role.getInstance());
        builder.detail("capturing", role.getHolder());
        // the message, unlike the details, is in the report at every exposure level but oneline
        builder.message("capture-role: " + role.getRole() + "; this instance: " + role.getInstance()
                + (role.getHolder().isEmpty() ? "" : "; capturing: " + role.getHolder()));
        builder.up();
    }
}
