package org.cdcpipeline.dashboard;

import java.util.function.Function;

import org.cdcpipeline.doctor.Doctor;

/** Runs the doctor's checks on the running pipeline's configuration, for the dashboard's flow panel. */
public final class DashboardDoctor {

    private final Function<String, String> config;
    private final FlowHistory flow;

    public DashboardDoctor(Function<String, String> config, FlowHistory flow) {
        this.config = config;
        this.flow = flow;
    }

    public void run() {
        flow.doctorChecked(Doctor.checks(config));
    }
}
