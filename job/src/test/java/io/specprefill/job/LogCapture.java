package io.specprefill.job;

import java.util.List;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** The log lines ("LEVEL message") one class writes through log4j2 (Spark's logging) while {@code work} runs. */
public final class LogCapture {
    private LogCapture() {
    }

    public static <T> T of(Class<?> source, List<String> lines, Supplier<T> work) {
        Logger logger = (Logger) LogManager.getLogger(source);
        AbstractAppender appender = new AbstractAppender("capture-" + source.getSimpleName(), null, null, true,
                Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                synchronized (lines) {
                    lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
                }
            }
        };
        appender.start();
        logger.addAppender(appender);
        try {
            return work.get();
        } finally {
            logger.removeAppender(appender);
            appender.stop();
        }
    }
}
