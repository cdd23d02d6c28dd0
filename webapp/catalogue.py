"""The dispatcher's pages in Chinese: English text (the key) -> Chinese.

Keys that are codes (a status, a reason a visit was left out, a compared figure)
also have their English words in :data:`EN`.
"""

from __future__ import annotations

from dispatch.nightplan import REASON_LABELS

ZH: dict[str, str] = {
    # header and roster
    "Plan tonight": "今晚计划",
    "Roster": "队伍名册",
    "Hotspot registry": "重点点位",
    "Coverage": "检查覆盖", "Figures": "巡查数据",
    "Live dispatch": "实时调度",
    "Cold-night patrol": "寒夜巡查",
    "Teams kept from night to night: tick the ones on duty on the plan page.":
        "长期保存的队伍：在计划页勾选今晚值班的队伍。",
    "Team": "队伍", "Agency": "单位", "Members": "队员", "Vehicle": "车辆", "Base": "基地",
    "Skills": "专长", "retired": "已停用", "Back in service": "恢复使用", "Retire": "停用",
    "No team yet: add the first one below.": "还没有队伍：请在下方添加第一支。",
    "Edit team": "编辑队伍", "Add a team": "添加队伍", "Name": "名称",
    "Members (one per line or comma)": "队员（每行一人或用逗号分隔）",
    "How many people": "人数", "Vehicle plate": "车牌号",
    "On foot (no vehicle)": "步行（无车辆）", "On foot": "步行", "Start base": "出发基地",
    "Skills (police, medical, social ...)": "专长（police 警务、medical 医疗、social 社工 …）",
    "Save team": "保存队伍", "Cancel": "取消",
    # settings
    "Plan the night": "夜间计划", "Night of {day}": "{day} 夜间", "Date": "日期", "Open": "打开",
    "Versions": "版本", "published": "已发布", "draft": "草稿", "withdrawn": "已撤回",
    "Tonight's settings": "今晚设置", "Teams on duty": "值班队伍", "people": "人",
    "The roster is empty:": "名册为空：", "add teams first": "请先添加队伍",
    "Shift starts": "班次开始", "Shift ends": "班次结束", "Forecast low (°C)": "预报最低气温（°C）",
    "Use the forecast: {value} °C": "使用预报：{value} °C", "Break (minutes)": "取暖休息（分钟）",
    "A night shift may end the next morning: 20:00 to 06:00 is 10 hours.":
        "夜班可在次日早晨结束：20:00 至 06:00 为 10 小时。",
    "Show the cold level": "查看寒冷等级", "Plan": "生成计划", "Cold level": "寒冷等级",
    "hotspots of risk {risk} and above are checked every {hours} h":
        "风险 {risk} 级及以上的点位每 {hours} 小时巡查一次",
    "{checks} checks at {places} hotspots tonight.": "今晚 {places} 个点位共需巡查 {checks} 次。",
    "Risk": "风险", "Hotspots": "点位数", "Checks asked": "需巡查次数",
    "Checks of each hotspot": "各点位巡查次数", "Hotspot": "点位",
    # progress and the plan
    "Planning": "正在计划",
    "The solver is searching; the page shows the plan when it is ready.":
        "正在求解，完成后页面会显示计划。",
    "Version {n}": "第 {n} 版", "Checks planned of required": "已安排 / 需巡查次数",
    "Risk {risk}": "风险 {risk} 级", "Team-hours": "队伍工时", "Kilometres": "里程（公里）",
    "Left out": "未安排",
    "What the changes cost (version {a} → {b})": "调整的代价（第 {a} 版 → 第 {b} 版）",
    "before": "调整前", "after": "调整后", "Pins": "固定", "not kept": "未能保持",
    "Teams": "队伍", "{n} stops": "{n} 个点位", "Print sheet": "打印路线单", "Arrive": "到达",
    "Stop": "巡查",
    "Choose this stop to move or pin it": "选择此巡查进行调动或固定",
    "check {n}": "第 {n} 次", "Warm-up break": "取暖休息",
    "Report {reference}": "求助报告 {reference}", "Escort to {place}": "护送至 {place}",
    "Every check is in a route.": "所有巡查都已安排。",
    "checks planned": "已安排巡查", "left out": "未安排", "team-hours": "队伍工时",
    "km": "公里",
    # adjusting
    "Adjust": "调整", "Open the latest version to change it.": "打开最新版本进行调整。",
    "Move or pin a stop": "调动或固定巡查", "Time": "时间", "Move to the team": "调给该队",
    "Pin to the team": "固定给该队", "Pin to the time": "固定到该时间", "Unpin": "取消固定",
    "A move holds for the next re-plan; a pin holds for every re-plan of the night.":
        "调动只在下一次重新计划中生效；固定在当晚每次重新计划中都保持。",
    "Exclude a hotspot tonight": "今晚排除点位", "excluded": "已排除", "Exclude": "排除",
    "Include again": "恢复", "Close a road": "封闭道路",
    "Press draw, then click two or more points along the closed road on the map.":
        "点击“在地图上绘制”，再沿封闭道路在地图上点击两个或更多点。",
    "What is it (ice, works ...)": "原因（结冰、施工 …）", "Draw on the map": "在地图上绘制",
    "Clear": "清除", "Close the road": "封闭该道路", "Closed road": "封闭道路",
    "Open again": "重新开放", "Changes to plan": "待计划的调整", "No change yet.": "还没有调整。",
    "Re-plan": "重新计划", "Discard the changes": "放弃这些调整",
    "Re-planning starts from this version's routes and keeps every pin, exclusion and "
    "closed road.": "重新计划从本版路线出发，保持所有固定、排除和封闭道路。",
    "Move {stop} to {team}": "把 {stop} 调给 {team}",
    "Pin {stop} to {team}": "把 {stop} 固定给 {team}",
    "Pin {stop} to {time}": "把 {stop} 固定在 {time}", "Unpin {stop}": "取消固定 {stop}",
    "Exclude {place} tonight": "今晚排除 {place}", "Include {place} again": "恢复 {place}",
    "Close a road: {what}": "封闭道路：{what}", "Open a closed road again": "重新开放一条封闭道路",
    # compare, publish, print
    "Compare two versions": "比较两个版本", "Compare": "比较", "Back to the plan": "返回计划",
    "Stops": "点位", "Out": "出发", "Back": "返回",
    "Left out here, planned in v{n}": "此版未安排、第 {n} 版已安排",
    "Publish": "发布", "Version {n} is tonight's published plan.": "第 {n} 版是今晚已发布的计划。",
    "Publish version {n}": "发布第 {n} 版", "Route sheet": "路线单", "Print": "打印",
    "Leave": "离开", "Hotlines": "热线",
    "Hotline numbers are not set: the dispatcher sets them with PATROL_HOTLINES "
    "(e.g. \"救助 12345; 110; 120\").":
        "热线号码未设置：调度员可通过 PATROL_HOTLINES 设置（例如 \"救助 12345; 110; 120\"）。",
    # conflicts and errors
    "The plan changed under you": "计划已被他人修改",
    "The plan changed under you: reload the page and make your change again.":
        "计划已被他人修改：请刷新页面后重新操作。",
    "A plan of this night is being made: wait for it, then reload.":
        "正在生成这一晚的计划：请稍候再刷新。",
    "Planning failed; the server log has the details.": "计划失败，详情见服务器日志。",
    "Reload the plan": "刷新计划", "No such plan being made; reload the page.":
        "没有正在生成的计划，请刷新页面。",
    "No team {team} in this version.": "此版本中没有队伍 {team}。",
    "{value} is not a date; give YYYY-MM-DD, e.g. 2025-01-15.":
        "{value} 不是日期，请按 YYYY-MM-DD 填写，例如 2025-01-15。",
    # form problems from dispatch
    "A shift from {start} to {end} lasts {hours} h: it ends before it starts or runs too "
    "long. A night shift lasts 1 to {most} h and may end the next morning (20:00 to 06:00).":
        "从 {start} 到 {end} 的班次长 {hours} 小时：结束早于开始或过长。夜班为 1 至 {most} 小时，"
        "可在次日早晨结束（20:00 至 06:00）。",
    "Another team in service is called {name}.": "已有在用队伍叫 {name}。",
    "Choose a closed road to open again.": "请选择要重新开放的封闭道路。",
    "Choose a hotspot of this plan.": "请选择本计划中的点位。",
    "Choose a stop of this plan.": "请选择本计划中的巡查。",
    "Choose a team on duty tonight.": "请选择今晚值班的队伍。",
    "Choose the agency the team comes from.": "请选择队伍所属单位。",
    "Choose the base the team starts from.": "请选择队伍出发的基地。",
    "Choose what to change.": "请选择要做的调整。",
    "Draw the closed road on the map: click two or more points along it.":
        "请在地图上绘制封闭道路：沿道路点击两个或更多点。",
    "Fill in tonight's settings and press plan: this night has no plan made on this page yet.":
        "请填写今晚设置并点击生成计划：这一晚还没有在此页面生成的计划。",
    "Give how many people are in the team: a whole number from 1 to {most}.":
        "请填写队伍人数：1 至 {most} 的整数。",
    "Give the break in whole minutes, 0 (none) to 120.":
        "请按整分钟填写休息时间，0（不休息）至 120。",
    "Give the team a name (up to 100 characters).": "请填写队伍名称（最多 100 个字符）。",
    "Give the vehicle's plate, or tick on foot.": "请填写车牌号，或勾选步行。",
    "Plan the night first, then change it.": "请先生成计划，再做调整。",
    "Stops are pinned to {teams}, who is not on duty; keep the team on duty or unpin its stops.":
        "有巡查固定给了 {teams}，但该队今晚不值班：请保留该队值班，或取消其固定。",
    "Team {ids} is not on the roster (or is retired); reload the page.":
        "队伍 {ids} 不在名册中（或已停用）：请刷新页面。",
    "This hotspot is not excluded.": "该点位未被排除。",
    "This stop is not pinned.": "该巡查没有固定。",
    "Tick at least one team on duty tonight.": "请至少勾选一支今晚值班的队伍。",
    "Type tonight's forecast low in °C, e.g. -12.": "请填写今晚预报最低气温（°C），例如 -12。",
    "{listed} members are listed but the team has {size}; raise the number or shorten the list.":
        "列出了 {listed} 名队员，但人数为 {size}：请增加人数或缩短名单。",
    "{value} is not a clock time; give HH:MM, e.g. 20:00.":
        "{value} 不是时间，请按 HH:MM 填写，例如 20:00。",
    "{value} is not a clock time; give HH:MM, e.g. 23:30.":
        "{value} 不是时间，请按 HH:MM 填写，例如 23:30。",
    "{value} is not a temperature; type the forecast low in °C as a number, e.g. -12.":
        "{value} 不是温度，请以数字填写预报最低气温（°C），例如 -12。",
    "{value} is outside the shift {start}-{end}.": "{value} 不在班次 {start}-{end} 之内。",
    "{value} °C is not a forecast low; give degrees Celsius between -60 and 45.":
        "{value} °C 不是合理的预报最低气温，请填写 -60 至 45 之间的摄氏度。",
    # signing in
    "Sign in": "登录", "User name": "用户名", "Signed in": "已登录", "Sign out": "退出登录",
    "Go on": "继续",
    "Password": "密码", "New password": "新密码", "Once more": "再输入一次", "Save": "保存",
    "Change password": "修改密码",
    "Accounts": "账户管理", "Role": "角色", "Last sign-in": "上次登录", "Change": "更改",
    "New one-time password": "重设一次性密码", "Remove": "删除", "Add an account": "添加账户",
    "Add": "添加", "one-time password not yet replaced": "一次性密码尚未更换",
    "Staff who sign in. Teams use their nightly links and need no account.":
        "需要登录的工作人员。巡查队使用每晚的链接，无需账户。",
    "One-time password for {name}:": "{name} 的一次性密码：",
    "It is shown only now. Give it to {name} in person or by phone; they choose their own at "
    "first sign-in.": "此密码只显示这一次。请当面或电话告知 {name}；首次登录时需设置自己的密码。",
    "You are signed in as {name} ({role}).": "您已作为 {name}（{role}）登录。",
    "Teams open their route from the link or QR code the dispatcher sends; people reporting "
    "someone in the cold use the report page, no account needed.":
        "巡查队通过调度员发送的链接或二维码打开路线；报告寒冷中需要帮助的人请使用求助页面，无需账户。",
    "Report a person in the cold": "报告需要帮助的人",
    "{value} is not a night this app plans; give a date from {first} to {last}.":
        "{value} 不是可计划的夜晚：请给出 {first} 至 {last} 之间的日期。",
    "Current password": "当前密码",
    "At most {n} teams can be on duty in one plan.": "一次计划最多 {n} 支队伍值班。",
    "Send the settings as a JSON object: teams, start, end, temperature.":
        "请以 JSON 对象发送设置：teams、start、end、temperature。",
    "No such job; it may have ended long ago.": "没有这项任务；它可能早已结束。",
    "Waiting for a free worker; the search starts as soon as one is.":
        "正在等待空闲的计算进程；一有空闲即开始搜索。",
    "The worker stopped before the search ended (it was restarted or killed): "
    "start it again.": "计算进程在搜索结束前停止（被重启或终止）：请重新开始。",
    "The planning queue cannot be reached ({reason}); searches wait until it is back. "
    "Pages that need no search keep working.":
        "无法连接计划队列（{reason}）；恢复前无法搜索，其余页面照常使用。",
    "You have {count} searches waiting or running; wait for one to end, then try again.":
        "您已有 {count} 个搜索在等待或进行中；请等其中一个结束后再试。",
    "The password you signed in with was for one use only: choose your own.":
        "您登录所用的密码只能使用一次：请设置自己的密码。",
}

#: Code-like keys in English words.
EN: dict[str, str] = {
    "checks planned": "Checks planned", "left out": "Left out", "team-hours": "Team-hours",
    "km": "Kilometres", "draft": "draft", "published": "published", "withdrawn": "withdrawn",
}

for _reason, _label in REASON_LABELS.items():
    ZH[_reason], _, EN[_reason] = _label.partition(" ")
