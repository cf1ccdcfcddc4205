import { Hono } from "hono";
const app = new Hono();
app.get("*", (c) => c.text("edgeway"));
export default app;
