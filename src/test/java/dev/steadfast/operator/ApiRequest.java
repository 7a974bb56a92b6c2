package dev.steadfast.operator;

import java.util.Arrays;
import java.util.List;

/**
 * A request to the API server as RBAC sees it: group, resource (with its subresource), namespace
 * (null when cluster-wide or cluster-scoped) and verb.
 */
record ApiRequest(String group, String resource, String namespace, String verb, String path) {

  static ApiRequest parse(String method, String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
    List<String> parts = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    // /api/v1/... or /apis/{group}/{version}/...
    int start;
    String group;
    if (parts.get(0).equals("api")) {
      group = "";
      start = 2;
    } else if (parts.get(0).equals("apis")) {
      group = parts.get(1);
      start = 3;
    } else {
      throw new IllegalArgumentException("not a resource path: " + pathAndQuery);
    }
    List<String> rest = parts.subList(start, parts.size());
    String namespace = null;
    if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    String resource = rest.get(0);
    String name = rest.size() > 1 ? rest.get(1) : null;
    if (rest.size() > 2) {
      resource = resource + "/" + rest.get(2);
    }
    boolean watch = Arrays.asList(query.split("&")).contains("watch=true");
    String verb =
        switch (method) {
          case "GET" -> watch ? "watch" : name == null ? "list" : "get";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> name == null ? "deletecollection" : "delete";
          default -> throw new IllegalArgumentException(method + " " + pathAndQuery);
        };
    return new ApiRequest(group, resource, namespace, verb, method + " " + pathAndQuery);
  }

  @Override
  public String toString() {
    return verb + " " + group + "/" + resource + " in " + namespace + " (" + path + ")";
  }
}
