package org.cdcpipeline.cli;

import org.apache.camel.dsl.jbang.core.commands.CamelJBangMain;

/** The Camel CLI ({@code camel run ...}) without a jbang launcher: {@code bin/camel} runs this class. */
public final class CamelCli {

    private CamelCli() {
    }

    public static void main(String[] args) {
        CamelJBangMain.run(args);
    }
}
