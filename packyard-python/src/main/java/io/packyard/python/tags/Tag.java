package io.packyard.python.tags;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/** One PEP 425 compatibility tag: {@code {interpreter}-{abi}-{platform}}, lower-cased. */
public record Tag(String interpreter, String abi, String platform) {

    public Tag {
        interpreter = interpreter.toLowerCase(Locale.ROOT);
        abi = abi.toLowerCase(Locale.ROOT);
        platform = platform.toLowerCase(Locale.ROOT);
    }

    /**
     * Expands a compressed tag triple such as {@code py2.py3-none-any} into the set of tags it
     * stands for (the cross product of the dot-separated parts), in order.
     *
     * @throws IllegalArgumentException if the text is not three dash-separated fields
     */
    public static Set<Tag> parseSet(String text) {
        String[] parts = text.split("-");
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
            throw new IllegalArgumentException("not a tag triple {python}-{abi}-{platform}: " + text);
        }
        Set<Tag> tags = new LinkedHashSet<>();
        for (String i : parts[0].split("\\.")) {
            for (String a : parts[1].split("\\.")) {
                for (String p : parts[2].split("\\.")) {
                    tags.add(new Tag(i, a, p));
                }
            }
        }
        return tags;
    }

    @Override
    public String toString() {
        return interpreter + "-" + abi + "-" + platform;
    }
}
