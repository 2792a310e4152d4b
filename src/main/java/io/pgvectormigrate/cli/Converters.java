package io.pgvectormigrate.cli;

import io.pgvectormigrate.core.Durations;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.prepare.PrepareOptions;
import io.pgvectormigrate.run.RunSettings;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Option values the commands share, read once. */
final class Converters {
    private Converters() {}

    /** 90s, 30m, 2h, 1h30m, a number of seconds, or ISO-8601 (PT30M), longer than 0: {@link Durations}. */
    static final class Duration implements ITypeConverter<java.time.Duration> {
        @Override
        public java.time.Duration convert(String value) {
            String problem = Durations.problem(value);
            if (problem != null) throw new TypeConversionException(problem);
            return Durations.parseOrNull(value);
        }
    }

    /** 0, 1048576, 512kB, 16MB, 1GB (powers of 1024). */
    static final class ByteSize implements ITypeConverter<Long> {
        private static final Pattern SIZE = Pattern.compile("(?i)\\s*(\\d+)\\s*(b|kb|k|mb|m|gb|g)?\\s*");

        @Override
        public Long convert(String value) {
            Matcher m = SIZE.matcher(value);
            if (!m.matches()) throw new TypeConversionException("'" + value + "' is not a size like 0, 512kB, 16MB or 1GB");
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
            return switch (unit) {
                case "kb", "k" -> n * 1024;
                case "mb", "m" -> n * 1024 * 1024;
                case "gb", "g" -> n * 1024 * 1024 * 1024;
                default -> n;
            };
        }
    }

    /** snapshot | subscription. */
    static final class InitialCopy implements ITypeConverter<NativeOptions.InitialCopy> {
        @Override
        public NativeOptions.InitialCopy convert(String value) {
            return RunSettings.initialCopy(value)
                    .orElseThrow(() -> new TypeConversionException("'" + value + "' is not snapshot or subscription"));
        }
    }

    /** auto, bedrock-chat, none. */
    static final class PresetName implements ITypeConverter<PrepareOptions.Preset> {
        @Override
        public PrepareOptions.Preset convert(String value) {
            try {
                return PrepareOptions.Preset.fromCli(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A step name for --stop-after. */
    static final class StepName implements ITypeConverter<Step> {
        @Override
        public Step convert(String value) {
            try {
                return Step.of(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("unknown step '" + value
                        + "': use preflight, restore, credentials, prepare-target, migrate, verify or cutover");
            }
        }
    }
}
