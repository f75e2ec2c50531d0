package org.cdcpipeline.cli;

import org.apache.camel.dsl.jbang.core.commands.CamelJBangMain;
import org.apache.camel.dsl.jbang.core.common.Plugin;
import picocli.CommandLine;

/**
 * A start of {@code camel run} that fails for a reason the user can fix ends with one line naming cause and fix, as
 * {@code java -jar} ends: the pipeline reports such a failure as an {@code org.cdcpipeline.StartupException}, which
 * picocli would print with its stack trace. Camel JBang loads this class as an embedded plugin of the {@code run}
 * command (META-INF/services/org/apache/camel/camel-jbang-plugin/camel-jbang-plugin-run), before it runs the command.
 */
public final class StartFailurePlugin implements Plugin {

    /** The pipeline's class, by name: the launcher loads the pipeline's jar in a class loader of its own. */
    private static final String STARTUP_EXCEPTION = "org.cdcpipeline.StartupException";

    /** On the top command: picocli asks the one it executes for the handler, whichever subcommand failed. */
    @Override
    public void customize(CommandLine commandLine, CamelJBangMain main) {
        commandLine.setExecutionExceptionHandler(StartFailurePlugin::report);
    }

    /** Any other failure is a bug, not a setting to fix: picocli prints it with its stack trace. */
    static int report(Exception failure, CommandLine command, CommandLine.ParseResult parsed) throws Exception {
        Throwable startup = startupException(failure);
        if (startup == null) {
            throw failure;
        }
        command.getErr().println("Cannot start: " + startup.getMessage());
        return 1;
    }

    static Throwable startupException(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<?> type = t.getClass(); type != null; type = type.getSuperclass()) {
                if (type.getName().equals(STARTUP_EXCEPTION)) {
                    return t;
                }
            }
        }
        return null;
    }
}
