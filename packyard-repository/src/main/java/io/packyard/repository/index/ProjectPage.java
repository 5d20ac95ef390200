package io.packyard.repository.index;

import java.util.List;

/**
 * A project page of the simple API, before rendering to HTML or JSON.
 *
 * @param name      the normalized project name
 * @param files     the files in page order
 * @param versions  every version of the project (PEP 700), in ascending PEP 440 order
 */
public record ProjectPage(String name, List<PageFile> files, List<String> versions) {

    public ProjectPage {
        files = List.copyOf(files);
        versions = List.copyOf(versions);
    }
}
